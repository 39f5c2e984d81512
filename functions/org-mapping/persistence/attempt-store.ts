import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConditionFailedError, type Store } from '#shared/store/index.ts';

/**
 * One confirmation attempt. The OAuth `state` is never stored: the item is
 * keyed by its SHA-256, so a table read cannot replay a sign-in. The PKCE
 * verifier and nonce live only until the attempt is used or expires.
 */
export const pendingStateSchema = z.object({
  attemptId: z.string(),
  munchkinId: z.string(),
  imsOrgId: z.string(),
  /** The Marketo user who pressed Confirm (the admin token's email). */
  marketoUserEmail: z.string(),
  codeVerifier: z.string(),
  nonce: z.string(),
  /** The exact origin the popup page may post its result to. */
  openerOrigin: z.string(),
  expiresAtMs: z.number(),
});
export type PendingState = z.infer<typeof pendingStateSchema>;

export const attemptSchema = z.object({
  attemptId: z.string(),
  munchkinId: z.string(),
  imsOrgId: z.string(),
  status: z.enum(['pending', 'mapped', 'failed']),
  reason: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  expiresAtMs: z.number(),
});
export type Attempt = z.infer<typeof attemptSchema>;

export const stateKey = (state: string) => ({ pk: `OAUTH_STATE#${createHash('sha256').update(state).digest('hex')}`, sk: 'STATE' });
export const attemptKey = (attemptId: string) => ({ pk: `ORGMAP_ATTEMPT#${attemptId}`, sk: 'ATTEMPT' });

/** DynamoDB's TTL, a day after expiry: the expiry itself is always checked on read. */
const ttlSeconds = (expiresAtMs: number) => Math.ceil(expiresAtMs / 1000) + 86_400;

export async function savePendingState(store: Store, state: string, pending: PendingState): Promise<void> {
  await store.putIfAbsent({ ...stateKey(state), ...pending, expiresAt: ttlSeconds(pending.expiresAtMs) });
}

/**
 * Consumes the state: a conditional delete, so of two callbacks with the same
 * state only one gets it. Returns undefined for a forged or reused state.
 */
export async function consumePendingState(store: Store, state: string): Promise<PendingState | undefined> {
  try {
    const item = await store.delete(stateKey(state), { expression: 'attribute_exists(pk)' });
    return item ? pendingStateSchema.parse(item) : undefined;
  } catch (error) {
    if (error instanceof ConditionFailedError) return undefined;
    throw error;
  }
}

export async function saveAttempt(store: Store, attempt: Attempt): Promise<void> {
  await store.put({ ...attemptKey(attempt.attemptId), ...attempt, expiresAt: ttlSeconds(attempt.expiresAtMs) + 30 * 86_400 });
}

export async function readAttempt(store: Store, attemptId: string): Promise<Attempt | undefined> {
  const item = await store.get(attemptKey(attemptId));
  return item ? attemptSchema.parse(item) : undefined;
}
