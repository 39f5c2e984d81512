import { USER_MANAGEMENT_SCOPES } from '#shared/ims/index.ts';
import { guardedFetch, type OutboundPolicyConfig } from '#shared/outbound/allowed-hosts.ts';
import { UmapiCallBudget, UmapiClient } from '#shared/umapi/index.ts';
import type { AccountImsClients } from './account-ims';
import type { CampaignAccount } from './model';

/** A UMAPI client for one account's org, authenticated with the account's own server-to-server credential. */
export interface UmapiConnector {
  connect(account: CampaignAccount, options: { deadline: () => number }): UmapiClient;
}

export interface ImsUmapiConnectorOptions {
  umapiBaseUrl: string;
  ims: AccountImsClients;
  /** Checks each UMAPI host before a request (the local stage allows loopback sandboxes). */
  outbound: OutboundPolicyConfig;
  now?: () => number;
  /** Tests with a manual clock pass a sleep that moves it. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Built once per container: the IMS client (and so its token cache) and the
 * call budget of each credential outlive a run, so tokens are reused until
 * near expiry and the budget counts every call this container made for that
 * credential, which is what keeps us clear of UMAPI's 429s.
 */
export class ImsUmapiConnector implements UmapiConnector {
  private readonly budgets = new Map<string, UmapiCallBudget>();
  private readonly now: () => number;

  constructor(private readonly options: ImsUmapiConnectorOptions) {
    this.now = options.now ?? Date.now;
  }

  connect(account: CampaignAccount, options: { deadline: () => number }): UmapiClient {
    const entry = this.options.ims.for(account);
    const ims = entry.client;
    let budget = this.budgets.get(account.clientId);
    if (!budget) {
      budget = new UmapiCallBudget(this.now);
      this.budgets.set(account.clientId, budget);
    }
    return new UmapiClient({
      baseUrl: this.options.umapiBaseUrl,
      orgId: account.imsOrgId,
      apiKey: account.clientId,
      token: () => ims.clientCredentialsToken(USER_MANAGEMENT_SCOPES),
      onTokenRejected: () => {
        entry.rejected = true;
        ims.forgetClientCredentialsToken(USER_MANAGEMENT_SCOPES);
      },
      budget,
      fetch: guardedFetch('umapi', this.options.outbound),
      now: this.now,
      deadline: options.deadline,
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    });
  }
}
