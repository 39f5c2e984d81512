import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Ports } from '#shared/runtime/ports.ts';
import { AccountImsClients } from './core/account-ims';
import { ImsCampaignConnector } from './core/campaign-connector';
import { StoreOutboxPublisher } from './core/publisher';
import type { SyncPorts } from './core/sync';
import { ImsUmapiConnector } from './core/umapi-connector';

let built: { ports: Ports; umapi: ImsUmapiConnector; campaign: ImsCampaignConnector; publisher: StoreOutboxPublisher } | undefined;

/**
 * The sync's ports for this container, built once per set of base ports so
 * the IMS token caches (shared by UMAPI and Campaign) and the UMAPI call
 * budget live as long as the container.
 */
export function campaignSyncPorts(ports: Ports, logger: Logger, metrics?: Metrics): SyncPorts {
  if (built?.ports !== ports) {
    const now = () => ports.clock.now();
    const ims = new AccountImsClients({ secrets: ports.secrets, imsTimeoutMs: ports.config.IMS_TIMEOUT_MS, outbound: ports.config, now });
    built = {
      ports,
      umapi: new ImsUmapiConnector({ umapiBaseUrl: ports.config.UMAPI_BASE_URL, ims, outbound: ports.config, now }),
      campaign: new ImsCampaignConnector({ ims, outbound: ports.config }),
      publisher: new StoreOutboxPublisher(ports.store, now),
    };
  }
  return { store: ports.store, clock: ports.clock, umapi: built.umapi, campaign: built.campaign, publisher: built.publisher, logger, ...(metrics ? { metrics } : {}) };
}
