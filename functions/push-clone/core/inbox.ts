import { randomUUID } from 'node:crypto';
import { BadRequestError, ForbiddenError, NotFoundError, ServiceUnavailableError } from '#shared/errors.ts';
import { imsOrgIdSchema } from '#shared/identifiers.ts';
import { isThrottlingError, type Item, type Store } from '#shared/store/index.ts';
import { parseActivation, type ActivationCounts } from './activation-parser';
import { readDestination } from './destinations';
import { inboxKey, workMarkerTouch, type ActivationRecord, type InboxItem } from './model';
import { authenticateWebhook, type WebhookAuthPorts } from './webhook-auth';

export interface InboxPorts extends WebhookAuthPorts {
  store: Store;
}

export interface ActivationDelivery {
  destinationId: string;
  /** The Authorization header as received. */
  authorization: string | undefined;
  /** `x-gw-ims-org-id`: the IMS org AEP says the delivery comes from. */
  imsOrgId: string | undefined;
  body: string;
}

export type AcceptedActivation = { accepted: number; inboxItems: number } & ActivationCounts;

/**
 * Inbox items stay well under DynamoDB's 400 KB item limit: the records string
 * plus keys and a few attributes. 300 KB of records is ~1,000-1,500 profiles.
 */
export const INBOX_CHUNK_BYTES = 300_000;

/**
 * The webhook's work (docs/push-clone.md, step 2): authenticate, check the
 * destination and the sender's org, parse leniently, write the records durably
 * into the instance's inbox (one item per ~300 KB, so a 1,000-profile body is
 * one or two writes), then touch the instance's work marker. Only after both
 * writes does the caller answer 200, so a 200 means "kept".
 */
export async function acceptActivation(ports: InboxPorts, delivery: ActivationDelivery): Promise<AcceptedActivation> {
  await authenticateWebhook(ports, delivery.authorization);
  const destination = await readDestination(ports.store, delivery.destinationId);
  if (!destination) throw new NotFoundError(`Push destination ${delivery.destinationId} does not exist.`, { code: 'destination_not_found' });
  if (delivery.imsOrgId !== undefined && canonicalOrg(delivery.imsOrgId) !== destination.imsOrgId) {
    throw new ForbiddenError(`This activation names another IMS org than the one destination ${destination.destinationId} is mapped to.`, { code: 'ims_org_mismatch' });
  }
  const receivedAt = ports.clock.now();
  const parsed = parseActivation(delivery.body, {
    mappedAudienceIds: new Set(destination.audiences.map((audience) => audience.audienceId)),
    fieldMappings: destination.fieldMappings,
    receivedAt,
  });
  if (!parsed.readable) throw new BadRequestError(parsed.reason, { code: 'unreadable_activation' });

  const items = inboxItems(destination.munchkinId, destination.destinationId, receivedAt, parsed.records);
  if (items.length > 0) {
    await shedLoadOnThrottling(async () => {
      await ports.store.putMany(items);
      const marker = workMarkerTouch(destination.munchkinId, receivedAt);
      await ports.store.update(marker.key, marker.set);
    });
  }
  return { accepted: parsed.records.length, inboxItems: items.length, ...parsed.counts };
}

function canonicalOrg(header: string): string | undefined {
  const parsed = imsOrgIdSchema.safeParse(header);
  return parsed.success ? parsed.data : undefined;
}

/** Records split into inbox items of at most INBOX_CHUNK_BYTES of JSON each. */
export function inboxItems(munchkinId: string, destinationId: string, receivedAt: number, records: readonly ActivationRecord[]): Item[] {
  const items: Item[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    const inbox: InboxItem = { munchkinId, destinationId, receivedAt, recordCount: chunk.length, records: `[${chunk.join(',')}]` };
    items.push({ ...inboxKey(munchkinId, receivedAt, randomUUID()), type: 'push-inbox', ...inbox });
    chunk = [];
    bytes = 0;
  };
  for (const record of records) {
    const json = JSON.stringify(record);
    const size = Buffer.byteLength(json, 'utf8') + 1;
    if (bytes + size > INBOX_CHUNK_BYTES) flush();
    chunk.push(json);
    bytes += size;
  }
  flush();
  return items;
}

/** AEP retries 5xx and never retries a 400: throttling must be a 503, so the delivery comes back. */
async function shedLoadOnThrottling(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (isThrottlingError(error)) {
      throw new ServiceUnavailableError('We are receiving more than we can store right now: retry this delivery.', { code: 'store_throttled', cause: error });
    }
    throw error;
  }
}
