import { gunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { Item, Page, Store } from '#shared/store/index.ts';
import { keys } from '#functions/push-clone/core/model.ts';

/**
 * Every delivery's raw body, kept for a retention (DELIVERY_ARCHIVE_RETENTION_DAYS,
 * default 7) so a time window can be replayed through the current parser and
 * mapping (docs/push-clone.md, "Replay"). Stored in the table itself as
 * gzip chunks with a TTL (`ARCHIVE#<destinationId>` / `<receivedAt>#<deliveryId>#<chunk>`):
 *
 * - no new service: the same encryption, point-in-time recovery, IAM grant
 *   and local form (DynamoDB Local) as everything else, so the one adapter is
 *   tested as it runs;
 * - AEP bodies are repetitive JSON and compress about tenfold, so a 1M-profile
 *   backfill (~600 MB of JSON) is ~60 MB in ~200 items, a few cents of writes;
 * - the TTL deletes what is older than the retention without any job; readers
 *   also skip what has expired, since TTL deletion is lazy.
 *
 * Chunks stay under DynamoDB's 400 KB item limit; a delivery is whole only
 * when all its chunks are read, and a delivery with a missing chunk is
 * reported, not guessed at.
 */
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const CHUNK_BYTES = 350_000;

const archiveItemSchema = z.object({
  deliveryId: z.string(),
  receivedAt: z.number(),
  chunk: z.number().int().nonnegative(),
  chunks: z.number().int().positive(),
  body: z.custom<Uint8Array>((value) => value instanceof Uint8Array),
  expiresAt: z.number(),
});

export interface ArchivedDelivery {
  deliveryId: string;
  receivedAt: number;
  body: string;
}

/** Compresses a body (zlib's thread pool, so it overlaps the parse on the main thread). */
export function compressBody(body: string): Promise<Buffer> {
  return gzipAsync(Buffer.from(body, 'utf8'), { level: 1 });
}

/** The archive items of one delivery: its compressed body in chunks, each with the TTL of the retention. */
export function archiveItems(destinationId: string, delivery: { deliveryId: string; receivedAt: number }, compressed: Buffer, retentionDays: number) {
  const chunks = Math.max(1, Math.ceil(compressed.length / CHUNK_BYTES));
  const expiresAt = Math.floor(delivery.receivedAt / 1000) + retentionDays * 86_400;
  return Array.from({ length: chunks }, (_, chunk) => ({
    pk: keys.archivePartition(destinationId),
    sk: `${new Date(delivery.receivedAt).toISOString()}#${delivery.deliveryId}#${String(chunk).padStart(4, '0')}`,
    type: 'push-archive',
    deliveryId: delivery.deliveryId,
    receivedAt: delivery.receivedAt,
    chunk,
    chunks,
    body: compressed.subarray(chunk * CHUNK_BYTES, (chunk + 1) * CHUNK_BYTES),
    expiresAt,
  }));
}

export interface ArchivePage {
  deliveries: ArchivedDelivery[];
  /** Deliveries in the window whose chunks were not all there (expired halfway, or damaged). */
  incomplete: number;
  /** Where the next page starts (an archive sort key), when the window holds more. */
  nextCursor?: string;
}

/**
 * The archived deliveries of a destination received in [fromMs, toMs], oldest
 * first, at most `maxDeliveries` (whole deliveries: a page never splits one).
 */
export async function readArchive(
  store: Store,
  destinationId: string,
  window: { fromMs: number; toMs: number; cursor?: string },
  options: { nowMs: number; maxDeliveries: number },
): Promise<ArchivePage> {
  const partition = keys.archivePartition(destinationId);
  // Exclusive start: every archive key of the window sorts after its bare ISO time; a cursor is the last key read.
  let startKey: Record<string, unknown> | undefined = { pk: partition, sk: window.cursor ?? new Date(window.fromMs).toISOString() };
  const page: ArchivePage = { deliveries: [], incomplete: 0 };
  let current: { deliveryId: string; receivedAt: number; chunks: number; parts: Uint8Array[] } | undefined;
  let lastRead: string | undefined;
  const finish = async () => {
    if (!current) return;
    if (current.parts.length === current.chunks) {
      const body = (await gunzipAsync(Buffer.concat(current.parts))).toString('utf8');
      page.deliveries.push({ deliveryId: current.deliveryId, receivedAt: current.receivedAt, body });
    } else {
      page.incomplete += 1;
    }
    current = undefined;
  };
  while (startKey) {
    const result: Page<Item> = await store.query({ partition, sortAtMost: `${new Date(window.toMs).toISOString()}#\uffff`, limit: 50, startKey });
    for (const item of result.items) {
      const parsed = archiveItemSchema.safeParse(item);
      if (!parsed.success || parsed.data.expiresAt * 1000 <= options.nowMs) continue;
      const { deliveryId, receivedAt, chunk, chunks, body } = parsed.data;
      if (current?.deliveryId !== deliveryId) {
        await finish();
        if (page.deliveries.length + page.incomplete >= options.maxDeliveries && lastRead !== undefined) {
          page.nextCursor = lastRead;
          return page;
        }
        current = { deliveryId, receivedAt, chunks, parts: [] };
      }
      if (chunk === current.parts.length) current.parts.push(body);
      lastRead = item.sk;
    }
    startKey = result.nextKey;
  }
  await finish();
  return page;
}
