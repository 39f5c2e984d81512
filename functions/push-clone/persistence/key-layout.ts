import { z } from 'zod';
import { ConditionFailedError, type Store } from '#shared/store/index.ts';

/**
 * The key layout the table's push-clone items were written with
 * (`META` / `PUSH_KEY_SHARDS`): how many shards each hot key is spread over
 * (`KEY_SHARDS`, core/model.ts). Recorded by the first run; a later run
 * configured with another count would look for every sharded item where it
 * was not written (memberships, queue, aliases, lead IDs), so it stops with
 * this error instead of carrying on blind.
 */
export class KeyLayoutError extends Error {
  override readonly name = 'KeyLayoutError';
}

const layoutKey = { pk: 'META', sk: 'PUSH_KEY_SHARDS' } as const;
const layoutSchema = z.object({ shards: z.number().int().positive() });

/** Records `shards` if the table has no layout yet; throws KeyLayoutError if it was written with another. */
export async function requireKeyLayout(store: Store, shards: number, atIso: string): Promise<void> {
  let recorded = await store.get(layoutKey);
  if (!recorded) {
    try {
      await store.put({ ...layoutKey, type: 'push-key-layout', shards, recordedAt: atIso }, { expression: 'attribute_not_exists(pk)' });
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      recorded = await store.get(layoutKey); // another runner recorded it first
    }
  }
  const written = layoutSchema.parse(recorded).shards;
  if (written !== shards) {
    throw new KeyLayoutError(
      `This table's push clone items are spread over ${written} shards, but PUSH_KEY_SHARDS is ${shards}: set PUSH_KEY_SHARDS=${written} again (the count cannot change once items are written; see docs/scale.md).`,
    );
  }
}
