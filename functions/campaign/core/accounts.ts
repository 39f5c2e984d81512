import { z } from 'zod';
import type { Clock } from '#shared/clock.ts';
import { BadRequestError, NotFoundError } from '#shared/errors.ts';
import { imsOrgIdSchema, serviceUrlSchema } from '#shared/identifiers.ts';
import { assertOutboundAllowed, type OutboundPolicyConfig } from '#shared/outbound/allowed-hosts.ts';
import { putBoundSecret, type SecretStore } from '#shared/secrets/index.ts';
import type { Store } from '#shared/store/index.ts';
import { compileMask, MAX_MASK_LENGTH } from './mask';
import { accountSchema, DEFAULT_REMOVAL_CAP, keys, operatorGroupNameSchema, statusSchema, type CampaignAccount, type SyncStatus } from './model';


export const accountInputSchema = z.object({
  imsServer: serviceUrlSchema,
  clientId: z.string().trim().min(1).max(200),
  /** Required on create and whenever the IMS server or client ID change; never returned. */
  clientSecret: z.string().min(1).max(500).optional(),
  /** The Campaign instance's access URL, which Adobe allow-lists: https (plain-http loopback only in the local stage, for the sandbox); the sync calls its SOAP router. */
  callbackServer: serviceUrlSchema,
  imsOrgId: imsOrgIdSchema,
  associationMask: z.string().min(1).max(MAX_MASK_LENGTH),
  caseInsensitive: z.boolean().default(false),
  tenant: z.string().trim().min(1).max(200),
  removalCapPerRun: z.number().int().min(0).max(1_000_000).default(DEFAULT_REMOVAL_CAP),
});
export type AccountInput = z.infer<typeof accountInputSchema>;

export const operatorGroupsInputSchema = z.object({
  operatorGroups: z.array(operatorGroupNameSchema).max(10_000),
});

export type AccountView = CampaignAccount & { clientSecretStored: true; operatorGroups: string[]; status: SyncStatus };

export interface AccountPorts {
  config: OutboundPolicyConfig;
  store: Store;
  secrets: SecretStore;
  clock: Clock;
}

export const accountSecretName = (account: string) => `campaign/${account}/ims-client-secret`;

export async function readAccount(store: Store, account: string): Promise<CampaignAccount | undefined> {
  const item = await store.get(keys.account(account));
  return item ? accountSchema.parse(item) : undefined;
}

export async function requireAccount(store: Store, account: string): Promise<CampaignAccount> {
  const found = await readAccount(store, account);
  if (!found) throw new NotFoundError(`Campaign account ${account} does not exist: create it with PUT /campaign/accounts/${account}.`, { code: 'campaign_account_not_found' });
  return found;
}

export async function readOperatorGroups(store: Store, account: string): Promise<string[]> {
  const item = await store.get(keys.operatorGroups(account));
  return z.object({ operatorGroups: z.array(z.string()) }).optional().parse(item)?.operatorGroups ?? [];
}

export async function readStatus(store: Store, account: string): Promise<SyncStatus> {
  return statusSchema.parse((await store.get(keys.status(account))) ?? {});
}

/** Creates or replaces the external account; the mask is compiled first so a bad one is a clear 400. */
export async function saveAccount(ports: AccountPorts, account: string, input: AccountInput, actor: string): Promise<{ account: AccountView; created: boolean }> {
  compileMask(input.associationMask, { caseInsensitive: input.caseInsensitive });
  // The IMS server receives the account's client secret: Adobe IMS hosts (or the deployment's own) only.
  await assertOutboundAllowed(input.imsServer, 'ims', ports.config);
  const existing = await readAccount(ports.store, account);
  if (input.clientSecret === undefined) {
    if (!existing) throw new BadRequestError(`Campaign account ${account} is new: give the IMS client secret of its server-to-server credential.`, { code: 'client_secret_required' });
    // The stored secret goes to the IMS server and its tokens to the callback server: re-pointing either without the secret would let an editor send them anywhere.
    if (existing.imsServer !== input.imsServer || existing.clientId !== input.clientId || existing.callbackServer !== input.callbackServer) {
      throw new BadRequestError(`Changing the IMS server, client ID or callback server of Campaign account ${account} needs the client secret again.`, { code: 'client_secret_required' });
    }
  }
  // Secret first: an account must never point at a secret that was not written.
  if (input.clientSecret !== undefined) await putBoundSecret(ports.secrets, accountSecretName(account), [input.imsServer], input.clientSecret);
  const now = new Date(ports.clock.now()).toISOString();
  const { clientSecret: _secret, ...settings } = input;
  const saved: CampaignAccount = { account, ...settings, createdAt: existing?.createdAt ?? now, updatedAt: now, updatedBy: actor };
  await ports.store.put({ ...keys.account(account), ...saved });
  return { account: await view(ports.store, saved), created: !existing };
}

export async function getAccount(store: Store, account: string): Promise<AccountView> {
  return view(store, await requireAccount(store, account));
}

/** Replaces the instance's operator groups: the only groups a profile can link to. */
export async function saveOperatorGroups(store: Store, account: string, operatorGroups: string[]): Promise<{ account: string; operatorGroups: string[] }> {
  await requireAccount(store, account);
  const unique = [...new Set(operatorGroups)].sort();
  await store.put({ ...keys.operatorGroups(account), operatorGroups: unique });
  return { account, operatorGroups: unique };
}

async function view(store: Store, account: CampaignAccount): Promise<AccountView> {
  const [operatorGroups, status] = await Promise.all([readOperatorGroups(store, account.account), readStatus(store, account.account)]);
  return { ...account, clientSecretStored: true, operatorGroups, status };
}

/** Every account (one small partition), for the scheduler. */
export async function listAccounts(store: Store): Promise<CampaignAccount[]> {
  const items = await store.queryAll({ partition: keys.accountsPartition, consistent: true });
  return items.map((item) => accountSchema.parse(item));
}
