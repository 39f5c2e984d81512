import { randomUUID } from 'node:crypto';
import { BadRequestError, ForbiddenError, NotFoundError, ServiceUnavailableError } from '#shared/errors.ts';
import type { Config } from '#shared/config/index.ts';
import { imsOrgIdSchema } from '#shared/identifiers.ts';
import { isThrottlingError, type Item, type Store } from '#shared/store/index.ts';
import { parseActivation, type ActivationCounts, type ParserOptions, type RefusalSample } from '#functions/push-clone/core/intake/activation-parser.ts';
import { archiveItems, compressBody } from '#functions/push-clone/core/intake/delivery-archive.ts';
import { readDestination } from '#functions/push-clone/persistence/destinations.ts';
import { recordIntake } from '#functions/push-clone/persistence/intake-stats.ts';
import { DEFAULT_EMAIL_SOURCES, inboxKey, type ActivationRecord, type Destination, type InboxItem, type ProfileRecord } from '#functions/push-clone/core/model.ts';
import { authenticateWebhook, type WebhookAuthPorts } from '#functions/push-clone/core/intake/webhook-auth.ts';
import { touchWorkMarker } from '#functions/push-clone/persistence/work-marker.ts';

export interface InboxPorts extends WebhookAuthPorts {
  store: Store;
  config: Pick<Config, 'DELIVERY_ARCHIVE_RETENTION_DAYS'>;
}

export interface ActivationDelivery {
  destinationId: string;
  /** The Authorization header as received. */
  authorization: string | undefined;
  /** `x-gw-ims-org-id`: the IMS org AEP says the delivery comes from. */
  imsOrgId: string | undefined;
  body: string;
}

export interface AcceptedActivation extends ActivationCounts {
  /** The delivery's ID (its inbox items and archive share it). */
  deliveryId: string;
  inboxItems: number;
  /** One refused thing per reason, for the WARN line (the logger masks emails). */
  samples: RefusalSample[];
}

/**
 * Inbox items stay well under DynamoDB's 400 KB item limit: the records string
 * plus keys and a few attributes. 300 KB of records is ~1,000-1,500 profiles.
 */
export const INBOX_CHUNK_BYTES = 300_000;

/**
 * The webhook's work (docs/push-clone.md, step 2): authenticate, check the
 * destination and the sender's org, parse, write the accepted profiles durably
 * into the instance's inbox (one item per ~300 KB, attributes once per
 * profile) and the refusal counters, then touch the instance's work marker.
 * Only after these writes does the caller answer 200, so a 200 means "kept".
 */
export async function acceptActivation(ports: InboxPorts, delivery: ActivationDelivery): Promise<AcceptedActivation> {
  await authenticateWebhook(ports, delivery.destinationId, delivery.authorization);
  const destination = await readDestination(ports.store, delivery.destinationId);
  // Credentials outlive a deleted destination only until they are rotated away; a valid token for a destination now gone learns nothing more.
  if (!destination) throw new NotFoundError(`Push destination ${delivery.destinationId} does not exist.`, { code: 'destination_not_found' });
  checkSenderOrg(destination, delivery.imsOrgId);
  const receivedAt = ports.clock.now();
  const deliveryId = randomUUID();
  // Compressed on zlib's thread pool while the main thread parses.
  const compressed = compressBody(delivery.body);
  const parsed = parseActivation(delivery.body, parserOptionsFor(destination, receivedAt));
  if (!parsed.readable) {
    compressed.catch(() => undefined);
    throw new BadRequestError(parsed.reason, { code: 'unreadable_activation' });
  }
  // The raw body is kept with the delivery (same 200-means-kept promise), so a later replay can recover what this setup refused.
  const archive = archiveItems(destination.destinationId, { deliveryId, receivedAt }, await compressed, ports.config.DELIVERY_ARCHIVE_RETENTION_DAYS);
  const [items] = await Promise.all([
    storeParsedDelivery(ports.store, destination, { deliveryId, receivedAt }, parsed),
    shedLoadOnThrottling(() => ports.store.putMany(archive)),
  ]);
  return { deliveryId, inboxItems: items, ...parsed.counts, samples: parsed.samples };
}

/** How a destination's setup reads a body: its audiences in their namespaces, its email sources, its field mappings. */
export function parserOptionsFor(destination: Destination, receivedAt: number): ParserOptions {
  return {
    audiences: destination.audiences,
    emailSources: destination.emailSources ?? DEFAULT_EMAIL_SOURCES,
    fieldMappings: destination.fieldMappings,
    receivedAt,
  };
}

/**
 * Writes a parsed delivery: its profiles as inbox items, its counters, then
 * the instance's work marker. Shared by the webhook and replay, so a replayed
 * delivery lands exactly as a live one (same receipt time, same rules).
 */
export async function storeParsedDelivery(
  store: Store,
  destination: Destination,
  delivery: { deliveryId: string; receivedAt: number },
  parsed: { profiles: readonly ProfileRecord[]; counts: ActivationCounts },
  options: { countIntake: boolean } = { countIntake: true },
): Promise<number> {
  const items = await profileInboxItems(destination.munchkinId, destination.destinationId, delivery, parsed.profiles);
  await shedLoadOnThrottling(async () => {
    const counters = options.countIntake ? recordIntake(store, destination.destinationId, parsed.counts, delivery.receivedAt) : Promise.resolve();
    await Promise.all([store.putMany(items), counters]);
    if (items.length === 0) return;
    await touchWorkMarker(store, destination.munchkinId, delivery.receivedAt);
  });
  return items.length;
}

/**
 * `x-gw-ims-org-id` is required and must name the destination's org (any
 * case), unless the admin opted the destination out. The answer names
 * neither org: a sender learns only that its own header is wrong.
 */
function checkSenderOrg(destination: Destination, header: string | undefined): void {
  if (header === undefined || header.trim() === '') {
    if (destination.requireImsOrgHeader === false) return;
    throw new ForbiddenError('The activation needs an x-gw-ims-org-id header naming the IMS org this destination is mapped to (see docs/aep-setup.md).', { code: 'ims_org_required' });
  }
  if (canonicalOrg(header) !== destination.imsOrgId) {
    throw new ForbiddenError('The x-gw-ims-org-id header names another IMS org than the one this destination is mapped to.', { code: 'ims_org_mismatch' });
  }
}

function canonicalOrg(header: string): string | undefined {
  const parsed = imsOrgIdSchema.safeParse(header);
  return parsed.success ? parsed.data : undefined;
}

/** Profiles split into inbox items of at most INBOX_CHUNK_BYTES of JSON each (what the webhook writes). */
export async function profileInboxItems(munchkinId: string, destinationId: string, delivery: { deliveryId: string; receivedAt: number }, profiles: readonly ProfileRecord[]): Promise<Item[]> {
  const chunks = chunkedJson(profiles, (json, count, index) => ({ json, count, index }));
  // Compressed (about tenfold) on zlib's thread pool, chunks in parallel: a 6 MB body writes a few hundred KB, not megabytes.
  return Promise.all(
    chunks.map(async ({ json, count, index }) => {
      const inbox: InboxItem = { munchkinId, destinationId, receivedAt: delivery.receivedAt, recordCount: count, profilesGzip: await compressBody(json) };
      return { ...inboxKey(munchkinId, delivery.receivedAt, `${delivery.deliveryId}#${index}`), type: 'push-inbox', ...inbox };
    }),
  );
}

/** Activation records (one per email and audience) split into inbox items: the older format, which ingest still reads. */
export function inboxItems(munchkinId: string, destinationId: string, receivedAt: number, records: readonly ActivationRecord[]): Item[] {
  return chunkedJson(records, (json, count) => {
    const inbox: InboxItem = { munchkinId, destinationId, receivedAt, recordCount: count, records: json };
    return { ...inboxKey(munchkinId, receivedAt, randomUUID()), type: 'push-inbox', ...inbox };
  });
}

function chunkedJson<T, R>(values: readonly T[], toItem: (json: string, count: number, index: number) => R): R[] {
  const items: R[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    items.push(toItem(`[${chunk.join(',')}]`, chunk.length, items.length));
    chunk = [];
    bytes = 0;
  };
  for (const value of values) {
    const json = JSON.stringify(value);
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
