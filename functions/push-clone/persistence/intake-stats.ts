import type { Store } from '#shared/store/index.ts';
import type { ActivationCounts } from '#functions/push-clone/core/intake/activation-parser.ts';
import { acceptedNone, refusalEntries, refusedField, refusedOf, type IntakeSummary } from '#functions/push-clone/core/intake/intake-stats.ts';
import { keys } from '#functions/push-clone/core/model.ts';

/**
 * The webhook's counters: a destination's intake item (`DEST#<id>` /
 * `INTAKE`) and the `refused_<reason>` counters on each audience's stats
 * item, all with ADD so concurrent deliveries sum up.
 */

/** Counts one delivery (or one replayed delivery): the destination's intake item, and each audience with refusals. */
export async function recordIntake(store: Store, destinationId: string, counts: ActivationCounts, atMs: number): Promise<void> {
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
    adds.push(`${refusedField(reason)} :${reason}`);
  }
  const updates = [{ key: keys.intake(destinationId), set: { expression: `SET lastDeliveryAt = :at ADD ${adds.join(', ')}`, values } }];
  for (const [audienceId, refused] of Object.entries(counts.refusedByAudience)) {
    const entries = refusalEntries(refused);
    if (entries.length === 0) continue;
    updates.push({
      key: keys.stats(destinationId, audienceId),
      set: {
        expression: `ADD ${entries.map(([reason]) => `${refusedField(reason)} :${reason}`).join(', ')}`,
        values: Object.fromEntries(entries.map(([reason, count]) => [`:${reason}`, count])),
      },
    });
  }
  await Promise.all(updates.map((update) => store.update(update.key, update.set)));
}

/** What a destination's webhook received and refused, by reason, since it was created. */
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
