import type { ActivationCounts } from '#functions/push-clone/core/intake/activation-parser.ts';
import { REFUSAL_REASONS, REFUSED_FIELD_PREFIX, type RefusalCounts, type RefusalReason } from '#functions/push-clone/core/model.ts';

/**
 * What the webhook refused, kept where the admin looks (the destination's
 * status): per destination in `keys.intake` (deliveries, profiles, accepted,
 * refusals by reason, deliveries that accepted nothing) and per audience in
 * its stats item (`refused_<reason>`), all with ADD so concurrent deliveries
 * sum up (persistence/intake-stats.ts). Counter names come from here only, so
 * writer and reader agree.
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

/** The counter field of a refusal reason (`refused_<reason>`), in the intake item and the audience stats. */
export const refusedField = (reason: RefusalReason) => `${REFUSED_FIELD_PREFIX}${reason}`;

/** A delivery that carried profiles and accepted none of them: the alarm's case. */
export function acceptedNone(counts: Pick<ActivationCounts, 'profiles' | 'acceptedProfiles' | 'refused'>): boolean {
  const refusedProfiles = (counts.refused.not_a_profile ?? 0) + (counts.refused.over_limits ?? 0);
  return counts.acceptedProfiles === 0 && counts.profiles + refusedProfiles > 0;
}

/** Refusal counters of an item (intake or audience stats), by reason. */
export function refusedOf(item: Record<string, unknown> | undefined): RefusalCounts {
  const refused: RefusalCounts = {};
  for (const reason of REFUSAL_REASONS) {
    const value = item?.[refusedField(reason)];
    if (typeof value === 'number' && value > 0) refused[reason] = value;
  }
  return refused;
}

/** The reasons with a count, in `REFUSAL_REASONS` order. */
export function refusalEntries(refused: RefusalCounts): Array<[RefusalReason, number]> {
  return REFUSAL_REASONS.flatMap((reason) => {
    const count = refused[reason] ?? 0;
    return count > 0 ? [[reason, count] as [RefusalReason, number]] : [];
  });
}
