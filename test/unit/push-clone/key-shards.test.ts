import { describe, expect, it } from 'vitest';
import { KEY_SHARDS, keys, shardOf } from '#functions/push-clone/core/model.ts';

describe('hot keys spread over shards by email', () => {
  const emails = Array.from({ length: 16_000 }, (_, index) => `person.${index}@example.com`);

  it('puts one person in the same shard for every sharded key', () => {
    const shard = `#S${shardOf('ann@example.com')}`;
    expect(keys.membership('d', 'a', 'ann@example.com').pk.endsWith(shard)).toBe(true);
    expect(keys.pendingPartition('123-ABC-456', 'ann@example.com').endsWith(shard)).toBe(true);
    expect(keys.leadId('123-ABC-456', 'ann@example.com').pk.endsWith(shard)).toBe(true);
    expect(keys.alias('d', 'ann@example.com').pk.endsWith(shard)).toBe(true);
  });

  it('lists every partition a whole-audience, whole-queue or whole-cache read must query', () => {
    expect(keys.membershipPartitions('d', 'a')).toHaveLength(KEY_SHARDS);
    expect(new Set(emails.map((email) => keys.membership('d', 'a', email).pk))).toEqual(new Set(keys.membershipPartitions('d', 'a')));
    expect(new Set(emails.map((email) => keys.pendingPartition('m', email)))).toEqual(new Set(keys.pendingPartitions('m')));
    expect(new Set(emails.map((email) => keys.leadId('m', email).pk))).toEqual(new Set(keys.leadIdPartitions('m')));
  });

  it('spreads people evenly: no shard takes more than 1.2 times its share', () => {
    const counts = new Array<number>(KEY_SHARDS).fill(0);
    for (const email of emails) counts[shardOf(email)] = (counts[shardOf(email)] ?? 0) + 1;
    expect(Math.max(...counts)).toBeLessThanOrEqual((1.2 * emails.length) / KEY_SHARDS);
  });

  it('is stable: the shard of an email never changes between releases (keys already written depend on it)', () => {
    // Pinned values of FNV-1a mod 16: a change to the hash or the shard count fails here first.
    expect(['ann@example.com', 'bob@example.org', 'chloe.lindqvist.2@example.com'].map(shardOf)).toEqual([5, 10, 15]);
  });
});
