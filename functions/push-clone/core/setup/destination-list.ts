import type { Clock } from '#shared/clock.ts';
import type { Config } from '#shared/config/index.ts';
import type { Store } from '#shared/store/index.ts';
import { listInstanceDestinations } from '#functions/push-clone/persistence/destinations.ts';
import { countPending, destinationStatus, type AudienceStatus } from '#functions/push-clone/core/outcomes/destination-status.ts';

export interface DestinationSummary {
  destinationId: string;
  name: string;
  munchkinId: string;
  state: 'active' | 'stopped';
  stoppedReason?: string;
  paused: boolean;
  deleting: boolean;
  audiences: AudienceStatus[];
  /** The latest run over any of its audiences. */
  lastRun?: string;
}

/** Every destination of an instance with its per-audience status; the instance's work queue is read once for all. */
export async function listDestinationSummaries(ports: { store: Store; clock: Clock; config: Pick<Config, 'MARKETO_DAILY_QUOTA'> }, munchkinId: string): Promise<DestinationSummary[]> {
  const [destinations, pending] = await Promise.all([
    listInstanceDestinations(ports.store, munchkinId),
    countPending(ports.store, munchkinId, new Date(ports.clock.now()).toISOString()),
  ]);
  const summaries = await Promise.all(
    [...destinations.values()].map(async (destination) => {
      const status = await destinationStatus(ports, destination, pending);
      return {
        destinationId: destination.destinationId,
        name: destination.name,
        munchkinId: destination.munchkinId,
        state: destination.state,
        stoppedReason: destination.stoppedReason,
        paused: destination.paused ?? false,
        deleting: destination.deletion !== undefined,
        audiences: status.audiences,
        lastRun: status.lastRun,
      };
    }),
  );
  return summaries.sort((a, b) => a.name.localeCompare(b.name) || a.destinationId.localeCompare(b.destinationId));
}
