import { demo } from '#local/demo-identities.ts';
import { createMarketoSandbox, type MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { instanceSecretName, writeInstance } from '#shared/instances/instance-store.ts';
import { putBoundSecret } from '#shared/secrets/index.ts';
import { orgMappingKey, type OrgMapping } from '#shared/instances/org-mapping-store.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import type { Store } from '#shared/store/index.ts';
import { keys, type Destination } from '#functions/push-clone/core/model.ts';
import { useLocalPorts } from '#test/support/local-ports.ts';
import { destinationInputSchema, saveDestination } from '#functions/push-clone/core/setup/destinations.ts';
import { storeCredentialSet } from '#functions/push-clone/core/setup/webhook-credentials.ts';

/**
 * What every push-clone test starts from, written the way the real capabilities
 * write it: a Marketo sandbox on loopback, the instance registered against it
 * (secret in the secret store), a confirmed org mapping, and the webhook token.
 */
export interface PushCloneWorld {
  ports: Ports;
  sandbox: MarketoSandbox;
  munchkinId: string;
  imsOrgId: string;
  webhookToken: string;
  stop(): Promise<void>;
}

export async function pushCloneWorld(label: string, env: Record<string, string> = {}): Promise<PushCloneWorld> {
  // The instance's call budget is per process: a short window keeps setup tests from waiting on it.
  const ports = await useLocalPorts(label, { MARKETO_CALLS_PER_WINDOW: '100', MARKETO_WINDOW_SECONDS: '1', ...env });
  const sandbox = createMarketoSandbox({ callsPerWindow: 100_000 });
  await sandbox.start(0);
  const munchkinId = demo.marketo.munchkinId;
  await registerInstance(ports, sandbox, munchkinId);
  await confirmOrgMapping(ports.store, munchkinId, demo.org.id);
  return { ports, sandbox, munchkinId, imsOrgId: demo.org.id, webhookToken: demo.aepWebhookToken, stop: () => sandbox.stop() };
}

export async function registerInstance(ports: Ports, sandbox: MarketoSandbox, munchkinId: string): Promise<void> {
  await putBoundSecret(ports.secrets, instanceSecretName(munchkinId), [sandbox.baseUrl, sandbox.identityUrl], demo.marketo.clientSecret);
  const at = new Date(ports.clock.now()).toISOString();
  await writeInstance(ports.store, {
    munchkinId,
    name: `Instance ${munchkinId}`,
    restEndpoint: sandbox.baseUrl,
    identityEndpoint: sandbox.identityUrl,
    clientId: demo.marketo.clientId,
    hipaaReady: false,
    createdAt: at,
    updatedAt: at,
    updatedBy: 'test',
  });
}

export async function confirmOrgMapping(store: Store, munchkinId: string, imsOrgId: string): Promise<void> {
  const mapping: OrgMapping = {
    munchkinId,
    confirmed: { imsOrgId, adobeUserSub: 'adobe-user-1', marketoUserEmail: demo.marketo.adminEmail, confirmedAt: '2026-01-01T00:00:00.000Z' },
    version: 1,
  };
  await store.put({ ...orgMappingKey(munchkinId), type: 'org-mapping', ...mapping });
}

export { destinationFixture, storeDestination } from '#test/support/push-clone-fixtures.ts';

/** Saves a destination through the real setup core (Marketo list check included) on the world's instance. */
export async function saveTestDestination(
  world: PushCloneWorld,
  destinationId: string,
  spec: { name: string; personCreationMode?: 'createMissing' | 'matchExistingOnly'; audiences: Array<Record<string, unknown>>; requireImsOrgHeader?: boolean; emailSources?: unknown[] },
) {
  const input = destinationInputSchema.parse({ personCreationMode: 'createMissing', ...spec, munchkinId: world.munchkinId });
  const saved = await saveDestination(world.ports, destinationId, input, 'test-admin');
  await giveWebhookToken(world.ports.secrets, destinationId, world.webhookToken);
  return saved;
}

/** A destination's own webhook bearer token, as the admin API would have created it (known value for the test). */
export async function giveWebhookToken(secrets: Ports['secrets'], destinationId: string, token: string): Promise<void> {
  await storeCredentialSet(secrets, destinationId, { bearerTokens: [{ id: 'test', token, createdAt: '2026-01-01T00:00:00.000Z' }], oauthClients: [] });
}
