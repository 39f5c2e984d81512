import { ImsClient } from '#shared/ims/index.ts';
import type { SecretStore } from '#shared/secrets/index.ts';
import { accountSecretName } from './accounts';
import type { CampaignAccount } from './model';

export interface AccountImsEntry {
  client: ImsClient;
  /** Set when a vendor refused a token: the next mint rereads the secret (it may have been rotated). */
  rejected: boolean;
}

/**
 * The IMS client of each account's server-to-server credential, built once
 * per container and shared by the UMAPI and Campaign connectors, so one
 * token cache (per scope set) serves both and tokens are reused until near
 * expiry.
 */
export class AccountImsClients {
  private readonly entries = new Map<string, AccountImsEntry>();

  constructor(private readonly options: { secrets: SecretStore; imsTimeoutMs: number; now: () => number }) {}

  for(account: CampaignAccount): AccountImsEntry {
    // Keyed by server and client ID: an account re-pointed to another credential gets a fresh token cache.
    const key = `${account.account}\n${account.imsServer}\n${account.clientId}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const secrets = this.options.secrets;
      const name = accountSecretName(account.account);
      const state = { rejected: false };
      const client = new ImsClient({
        baseUrl: account.imsServer,
        clientId: account.clientId,
        clientSecret: () => (state.rejected ? secrets.refresh(name) : secrets.get(name)),
        timeoutMs: this.options.imsTimeoutMs,
        now: this.options.now,
      });
      entry = Object.assign(state, { client });
      this.entries.set(key, entry);
    }
    return entry;
  }
}
