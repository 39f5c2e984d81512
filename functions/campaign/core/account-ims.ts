import { ImsClient } from '#shared/ims/index.ts';
import { guardedFetch, type OutboundPolicyConfig } from '#shared/outbound/allowed-hosts.ts';
import { readBoundSecret, type SecretStore } from '#shared/secrets/index.ts';
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

  constructor(private readonly options: { secrets: SecretStore; imsTimeoutMs: number; outbound: OutboundPolicyConfig; now: () => number }) {}

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
        // Only for the IMS server the secret was given with: a re-pointed account never gets the old secret.
        clientSecret: () => readBoundSecret(secrets, name, [account.imsServer], { fresh: state.rejected }),
        timeoutMs: this.options.imsTimeoutMs,
        fetch: guardedFetch('ims', this.options.outbound),
        now: this.options.now,
      });
      entry = Object.assign(state, { client });
      this.entries.set(key, entry);
    }
    return entry;
  }
}
