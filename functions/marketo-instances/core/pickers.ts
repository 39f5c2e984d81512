import type { Config } from '#shared/config/index.ts';
import { NotFoundError } from '#shared/errors.ts';
import { readInstance, type MarketoInstance } from '#shared/instances/instance-store.ts';
import { httpErrorFor, marketoCodeOf } from '#shared/http/index.ts';
import { INTERACTIVE_MARKETO, marketoClientFor } from '#shared/instances/marketo-for-instance.ts';
import type { LeadField, MarketoClient } from '#shared/marketo/index.ts';
import type { SecretStore } from '#shared/secrets/index.ts';
import type { Store } from '#shared/store/index.ts';

export interface PickerPorts {
  store: Store;
  secrets: SecretStore;
  config: Pick<Config, 'MARKETO_CALLS_PER_WINDOW' | 'MARKETO_WINDOW_SECONDS' | 'MARKETO_MAX_CONCURRENT' | 'STAGE' | 'OUTBOUND_ALLOWED_HOSTS'>;
}

/** Lists past this many are left out of the picker (20 pages of Get Lists); the mapping ID can still be typed. */
export const MAX_PICKER_LISTS = 5_000;

/** Builds an instance's client; tests may pass one with their own settings. */
export type PickerClientFactory = (instance: MarketoInstance) => MarketoClient;

async function askInstance<T>(ports: PickerPorts, munchkinId: string, asking: string, clientFor: PickerClientFactory | undefined, call: (client: MarketoClient) => Promise<T>): Promise<T> {
  const instance = await readInstance(ports.store, munchkinId);
  if (!instance) throw new NotFoundError(`Marketo instance ${munchkinId} is not registered: register it with PUT /marketo/instances/${munchkinId}.`, { code: 'instance_not_found' });
  const client = clientFor ? clientFor(instance) : marketoClientFor(instance, ports, INTERACTIVE_MARKETO);
  try {
    return await call(client);
  } catch (error) {
    throw httpErrorFor(error, `Marketo instance ${munchkinId} could not be asked for ${asking}${marketoCodeOf(error)}.`) ?? error;
  }
}

/** The lead fields a field mapping may target (REST names), by display name. */
export function leadFieldsOf(ports: PickerPorts, munchkinId: string, clientFor?: PickerClientFactory): Promise<LeadField[]> {
  return askInstance(ports, munchkinId, 'its lead fields', clientFor, async (client) =>
    (await client.describeLeads()).sort((a, b) => a.displayName.localeCompare(b.displayName)),
  );
}

export function partitionsOf(ports: PickerPorts, munchkinId: string, clientFor?: PickerClientFactory): Promise<Array<{ id: number; name: string; description: string }>> {
  return askInstance(ports, munchkinId, 'its lead partitions', clientFor, async (client) =>
    (await client.leadPartitions()).map(({ id, name, description }) => ({ id, name, description: description ?? '' })),
  );
}

/** Every static list (page by page, up to MAX_PICKER_LISTS), by name. */
export function listsOf(ports: PickerPorts, munchkinId: string, clientFor?: PickerClientFactory): Promise<{ lists: Array<{ id: number; name: string }>; truncated: boolean }> {
  return askInstance(ports, munchkinId, 'its static lists', clientFor, async (client) => {
    const lists: Array<{ id: number; name: string }> = [];
    let nextPageToken: string | undefined;
    do {
      const page = await client.browseLists({ nextPageToken });
      lists.push(...page.lists.map(({ id, name }) => ({ id, name })));
      nextPageToken = page.nextPageToken;
    } while (nextPageToken && lists.length < MAX_PICKER_LISTS);
    return { lists: lists.slice(0, MAX_PICKER_LISTS).sort((a, b) => a.name.localeCompare(b.name)), truncated: nextPageToken !== undefined };
  });
}
