import { describe, expect, it } from 'vitest';
import { lazyHandler } from '#shared/runtime/lazy-handler.ts';

describe('lazyHandler', () => {
  it('loads the handler once, at the first invocation, for every invocation after it', async () => {
    let loads = 0;
    const handler = lazyHandler(async () => {
      loads += 1;
      return async (event: number, context: string) => `${context}:${event * 2}`;
    });
    expect(loads).toBe(0);
    expect(await Promise.all([handler(1, 'a'), handler(2, 'b')])).toEqual(['a:2', 'b:4']);
    expect(await handler(3, 'c')).toBe('c:6');
    expect(loads).toBe(1);
  });

  it('tries a failed load again at the next invocation instead of failing forever', async () => {
    let loads = 0;
    const handler = lazyHandler(async () => {
      loads += 1;
      if (loads === 1) throw new Error('module failed to load');
      return async (event: number) => event + 1;
    });
    await expect(handler(1, undefined)).rejects.toThrow('module failed to load');
    expect(await handler(1, undefined)).toBe(2);
    expect(loads).toBe(2);
  });
});
