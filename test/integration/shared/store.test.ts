import { beforeAll, describe, expect, it } from 'vitest';
import { ConditionFailedError, type Store } from '#shared/store/index.ts';
import { freshStore } from '#test/support/dynamo.ts';

describe('Store on DynamoDB Local', () => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore('store');
  });

  it('refuses a second putIfAbsent and hands back the existing item', async () => {
    await store.putIfAbsent({ pk: 'A', sk: '1', value: 'first' });
    const error = await store.putIfAbsent({ pk: 'A', sk: '1', value: 'second' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConditionFailedError);
    expect((error as ConditionFailedError).existing).toMatchObject({ value: 'first' });
  });

  it('counts a partition, or only the items carrying an attribute, across pages', async () => {
    await store.putMany(Array.from({ length: 250 }, (_, i) => ({ pk: 'COUNT', sk: String(i).padStart(4, '0'), ...(i % 5 === 0 ? { flag: 'x', padding: 'p'.repeat(8000) } : { padding: 'p'.repeat(8000) }) })));
    expect(await store.count({ partition: 'COUNT' })).toBe(250);
    expect(await store.count({ partition: 'COUNT', onlyWith: 'flag' })).toBe(50);
    expect(await store.count({ partition: 'COUNT', sortPrefix: '00' })).toBe(100);
  });

  it('reads many items by key, leaving out the missing ones', async () => {
    await store.putMany(Array.from({ length: 130 }, (_, i) => ({ pk: 'MANY', sk: String(i) })));
    const keys = Array.from({ length: 140 }, (_, i) => ({ pk: 'MANY', sk: String(i) }));
    const items = await store.getMany(keys);
    expect(items).toHaveLength(130);
    expect(new Set(items.map((item) => item.sk)).size).toBe(130);
  });

  it('makes a transaction all or nothing when one condition fails', async () => {
    await store.put({ pk: 'TX', sk: 'a', n: 1 });
    const attempt = store.transact([
      { put: { pk: 'TX', sk: 'b', n: 2 } },
      { update: { pk: 'TX', sk: 'a' }, set: { expression: 'SET n = :n', values: { ':n': 5 } }, condition: { expression: 'n = :expected', values: { ':expected': 99 } } },
    ]);
    await expect(attempt).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await store.get({ pk: 'TX', sk: 'b' })).toBeUndefined();
    expect((await store.get({ pk: 'TX', sk: 'a' }))?.n).toBe(1);
  });
});
