import { z } from 'zod';
import type { Store } from '#shared/store/index.ts';
import { keys } from './model';
import { packJson, unpackJson } from './pack';

/**
 * Where an interrupted sync stands. UMAPI answers 429 with Retry-After of many
 * minutes, so a run saves this and stops instead of sleeping; the next run
 * resumes from it and ends with what an undisturbed run would have.
 */
export const cursorStateSchema = z.object({
  runId: z.string(),
  startedAt: z.number(),
  /** Next groups page to fetch; undefined once the groups listing is done. */
  groupsPage: z.number().int().min(0).optional(),
  candidates: z.array(z.object({ profile: z.string(), captured: z.string(), memberCount: z.number().optional() })),
  /** Profiles whose users are all collected; by name, so a changed operator-group list cannot shift a position. */
  completed: z.array(z.string()),
  /** The profile whose users were being paged, and the page to fetch next. */
  current: z.object({ profile: z.string(), page: z.number().int().min(0) }).optional(),
  /** Users collected so far, per profile (lower-case emails). */
  members: z.record(z.string(), z.array(z.string())),
});
export type CursorState = z.infer<typeof cursorStateSchema>;

const headSchema = z.object({ runId: z.string(), chunks: z.number().int().min(1), resumeAt: z.number(), savedAt: z.number() });
export type CursorHead = z.infer<typeof headSchema>;

/** Under DynamoDB's 400 KB item limit with room for keys; gzip makes a chunk hold thousands of emails. */
const CHUNK_CHARS = 300_000;
/** A cursor older than this is dropped and the sync starts over (UMAPI data would be too stale to finish). */
export const CURSOR_MAX_AGE_MS = 24 * 3_600_000;

export async function readCursorHead(store: Store, account: string): Promise<CursorHead | undefined> {
  const item = await store.get(keys.cursor(account));
  return item ? headSchema.parse(item) : undefined;
}

/** The saved state, or undefined when there is none, it is too old, or a chunk is missing. */
export async function loadCursor(store: Store, account: string, head: CursorHead | undefined, now: number): Promise<CursorState | undefined> {
  if (!head || now - head.savedAt > CURSOR_MAX_AGE_MS) return undefined;
  const chunkKeys = Array.from({ length: head.chunks }, (_, index) => keys.cursorChunk(account, head.runId, index));
  const items = await store.getMany(chunkKeys);
  const bySk = new Map(items.map((item) => [item.sk, z.object({ data: z.string() }).parse(item).data]));
  const parts = chunkKeys.map((key) => bySk.get(key.sk));
  if (parts.some((part) => part === undefined)) return undefined;
  return cursorStateSchema.parse(unpackJson(parts.join('')));
}

/**
 * Chunks first, then the head that names them: a crash in between leaves the
 * old head (or none), never a head pointing at missing chunks. Chunks carry a
 * TTL, so those of finished runs go without a delete per chunk.
 */
export async function saveCursor(store: Store, account: string, state: CursorState, resumeAt: number, now: number): Promise<void> {
  const packed = packJson(state);
  const chunks: string[] = [];
  for (let start = 0; start < packed.length; start += CHUNK_CHARS) chunks.push(packed.slice(start, start + CHUNK_CHARS));
  const expiresAt = Math.ceil((now + CURSOR_MAX_AGE_MS) / 1000) + 3600;
  await store.putMany(chunks.map((data, index) => ({ ...keys.cursorChunk(account, state.runId, index), data, expiresAt })));
  await store.put({ ...keys.cursor(account), runId: state.runId, chunks: chunks.length, resumeAt, savedAt: now, expiresAt });
}

export async function clearCursor(store: Store, account: string): Promise<void> {
  await store.delete(keys.cursor(account));
}
