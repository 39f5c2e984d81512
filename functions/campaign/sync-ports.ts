import type { Logger } from '@aws-lambda-powertools/logger';
import type { Ports } from '#shared/runtime/ports.ts';
import { StoreOutboxPublisher } from './core/publisher';
import type { SyncPorts } from './core/sync';
import { ImsUmapiConnector } from './core/umapi-connector';

let built: { ports: Ports; connector: ImsUmapiConnector; publisher: StoreOutboxPublisher } | undefined;

/**
 * The sync's ports for this container, built once per set of base ports so
 * the IMS token cache and the UMAPI call budget live as long as the container.
 * The publisher is the store outbox until an EventBridge adapter is wired.
 */
export function campaignSyncPorts(ports: Ports, logger: Logger): SyncPorts {
  if (built?.ports !== ports) {
    const connector = new ImsUmapiConnector({ umapiBaseUrl: ports.config.UMAPI_BASE_URL, imsTimeoutMs: ports.config.IMS_TIMEOUT_MS, secrets: ports.secrets, outbound: ports.config, now: () => ports.clock.now() });
    built = { ports, connector, publisher: new StoreOutboxPublisher(ports.store, () => ports.clock.now()) };
  }
  return { store: ports.store, clock: ports.clock, umapi: built.connector, publisher: built.publisher, logger };
}
