import type { Store } from '#shared/store/index.ts';

/** Published outbox items stay a week (for inspection), then DynamoDB's TTL removes them. */
const SENT_RETENTION_SECONDS = 7 * 24 * 3600;

/** Marks an outbox item (`OUTBOX#campaign` / `<changeSetId>`) sent, with the event ID EventBridge gave it; it expires a week later. */
export async function markSent(store: Store, key: { pk: string; sk: string }, eventId: string, nowMs: number): Promise<void> {
  await store.update(
    { pk: key.pk, sk: key.sk },
    { expression: 'SET sentAt = :now, eventId = :id, expiresAt = :ttl', values: { ':now': nowMs, ':id': eventId, ':ttl': Math.floor(nowMs / 1000) + SENT_RETENTION_SECONDS } },
  );
}

/** Counts a refused send on the outbox item, which stays pending, with the error code EventBridge gave. */
export async function recordSendFailure(store: Store, key: { pk: string; sk: string }, errorCode: string): Promise<void> {
  await store.update({ pk: key.pk, sk: key.sk }, { expression: 'SET attempts = if_not_exists(attempts, :zero) + :one, lastError = :error', values: { ':zero': 0, ':one': 1, ':error': errorCode } });
}
