import type { Clock } from '#shared/clock.ts';
import type { Store } from '#shared/store/index.ts';
import { parseActivation } from '#functions/push-clone/core/intake/activation-parser.ts';
import { readArchive } from '#functions/push-clone/core/intake/delivery-archive.ts';
import { parserOptionsFor, storeParsedDelivery } from '#functions/push-clone/core/intake/accept-delivery.ts';
import type { Destination, RefusalCounts } from '#functions/push-clone/core/model.ts';

/**
 * Replays a time window of a destination's archived deliveries through the
 * current parser and setup (docs/push-clone.md, "Replay"): a fixed email
 * source or audience namespace recovers what the first pass refused. Each
 * delivery is parsed as of its own receipt time and written as the webhook
 * writes it (same delivery ID, same inbox keys), so replaying twice, or a
 * window that overlaps deliveries not yet ingested, changes nothing: records
 * carry AEP's own lastQualificationTime, and newest-wins makes a second fold
 * of the same statement a no-op. Intake counters are not counted again.
 */
export interface ReplayResult {
  deliveries: number;
  /** Deliveries with chunks missing (expired halfway through): not replayed. */
  incomplete: number;
  /** Deliveries the current parser cannot read at all. */
  unreadable: number;
  profiles: number;
  acceptedProfiles: number;
  accepted: number;
  refused: RefusalCounts;
  inboxItems: number;
  /** Pass it back as `cursor` to go on with the rest of the window. */
  nextCursor?: string;
}

/** Deliveries replayed per call: an admin request answers inside API Gateway's 30 s. */
export const REPLAY_DELIVERIES_PER_CALL = 100;

export async function replayWindow(
  ports: { store: Store; clock: Clock },
  destination: Destination,
  window: { fromMs: number; toMs: number; cursor?: string },
): Promise<ReplayResult> {
  const page = await readArchive(ports.store, destination.destinationId, window, { nowMs: ports.clock.now(), maxDeliveries: REPLAY_DELIVERIES_PER_CALL });
  const result: ReplayResult = { deliveries: 0, incomplete: page.incomplete, unreadable: 0, profiles: 0, acceptedProfiles: 0, accepted: 0, refused: {}, inboxItems: 0, nextCursor: page.nextCursor };
  for (const delivery of page.deliveries) {
    result.deliveries += 1;
    const parsed = parseActivation(delivery.body, parserOptionsFor(destination, delivery.receivedAt));
    if (!parsed.readable) {
      result.unreadable += 1;
      continue;
    }
    result.inboxItems += await storeParsedDelivery(ports.store, destination, delivery, parsed, { countIntake: false });
    result.profiles += parsed.counts.profiles;
    result.acceptedProfiles += parsed.counts.acceptedProfiles;
    result.accepted += parsed.counts.accepted;
    for (const [reason, count] of Object.entries(parsed.counts.refused) as Array<[keyof RefusalCounts, number]>) result.refused[reason] = (result.refused[reason] ?? 0) + count;
  }
  return result;
}
