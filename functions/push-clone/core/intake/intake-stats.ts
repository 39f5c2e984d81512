import type { Store } from '#shared/store/index.ts';
import type { ActivationCounts } from '#functions/push-clone/core/intake/activation-parser.ts';
import { keys, REFUSAL_REASONS, REFUSED_FIELD_PREFIX, type RefusalCounts, type RefusalReason } from '#functions/push-clone/core/model.ts';

/**
 * What the webhook refused, kept where the admin looks (the destination's
 * status): per destination in `keys.intake` (deliveries, profiles, accepted,
 * refusals by reason, deliveries that accepted nothing) and per audience in
 * its stats item (`refused_<reason>`), all with ADD so concurrent deliveries
 * sum up. Counter names come from here only, so writer and reader agree.
 */
export interface IntakeSummary {
  deliveries: number;
  profiles: number;
  acceptedProfiles: number;
  /** Deliveries with profiles of which none was accepted (these also alarm). */
  deliveriesWithNoneAccepted: number;
  refused: RefusalCounts;
  lastDeliveryAt?: string;
}

const field = (reason: RefusalReason) => `${REFUSED_FIELD_PREFIX}${reason}`;

/** The increments of one delivery (or one replayed delivery) as ADD updates: the destination's item and one per audience with refusals. */
export function intakeCounterUpdates(destinationId: string, counts: ActivationCounts, atMs: number) {
  const values: Record<string, unknown> = {
    ':deliveries': 1,
    ':profiles': counts.profiles,
    ':acceptedProfiles': counts.acceptedProfiles,
    ':none': acceptedNone(counts) ? 1 : 0,
    ':at': new Date(atMs).toISOString(),
  };
  const adds = ['deliveries :deliveries', 'profiles :profiles', 'acceptedProfiles :acceptedProfiles', 'deliveriesWithNoneAccepted :none'];
  for (const [reason, count] of refusalEntries(counts.refused)) {
    values[`:${reason}`] = count;
    adds.push(`${field(reason)} :${reason}`);
  }
  const updates = [{ key: keys.intake(destinationId), set: { expression: `SET lastDeliveryAt = :at ADD ${adds.join(', ')}`, values } }];
  for (const [audienceId, refused] of Object.entries(counts.refusedByAudience)) {
    const entries = refusalEntries(refused);
    if (entries.length === 0) continue;
    updates.push({
      key: keys.stats(destinationId, audienceId),
      set: {
        expression: `ADD ${entries.map(([reason]) => `${field(reason)} :${reason}`).join(', ')}`,
        values: Object.fromEntries(entries.map(([reason, count]) => [`:${reason}`, count])),
      },
    });
  }
  return updates;
}

/** A delivery that carried profiles and accepted none of them: the alarm's case. */
export function acceptedNone(counts: Pick<ActivationCounts, 'profiles' | 'acceptedProfiles' | 'refused'>): boolean {
  const refusedProfiles = (counts.refused.not_a_profile ?? 0) + (counts.refused.over_limits ?? 0);
  return counts.acceptedProfiles === 0 && counts.profiles + refusedProfiles > 0;
}

export async function recordIntake(store: Store, destinationId: string, counts: ActivationCounts, atMs: number): Promise<void> {
  await Promise.all(intakeCounterUpdates(destinationId, counts, atMs).map((update) => store.update(update.key, update.set)));
}

/** Refusal counters of an item (intake or audience stats), by reason. */
export function refusedOf(item: Record<string, unknown> | undefined): RefusalCounts {
  const refused: RefusalCounts = {};
  for (const reason of REFUSAL_REASONS) {
    const value = item?.[field(reason)];
    if (typeof value === 'number' && value > 0) refused[reason] = value;
  }
  return refused;
}

export async function readIntake(store: Store, destinationId: string): Promise<IntakeSummary> {
  const item = await store.get(keys.intake(destinationId));
  const number = (name: string) => (typeof item?.[name] === 'number' ? (item[name] as number) : 0);
  return {
    deliveries: number('deliveries'),
    profiles: number('profiles'),
    acceptedProfiles: number('acceptedProfiles'),
    deliveriesWithNoneAccepted: number('deliveriesWithNoneAccepted'),
    refused: refusedOf(item),
    lastDeliveryAt: typeof item?.lastDeliveryAt === 'string' ? item.lastDeliveryAt : undefined,
  };
}

function refusalEntries(refused: RefusalCounts): Array<[RefusalReason, number]> {
  return REFUSAL_REASONS.flatMap((reason) => {
    const count = refused[reason] ?? 0;
    return count > 0 ? [[reason, count] as [RefusalReason, number]] : [];
  });
}
