import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { MARKETO_FAULT_KINDS, type MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { ManualClock } from '#shared/clock.ts';
import { MarketoDailyQuotaError } from '#shared/marketo/errors.ts';
import { clientFor, emails, startedSandbox } from './support';

const listId = demo.marketo.staticListId;

async function tokenOf(sandbox: MarketoSandbox): Promise<string> {
  const query = new URLSearchParams({ grant_type: 'client_credentials', client_id: demo.marketo.clientId, client_secret: demo.marketo.clientSecret });
  const answer = (await (await fetch(`${sandbox.identityUrl}/oauth/token?${query.toString()}`)).json()) as { access_token: string };
  return answer.access_token;
}

describe('the call budget against an instance that enforces its limits', () => {
  let sandbox: MarketoSandbox;
  beforeAll(async () => {
    sandbox = await startedSandbox({ callsPerWindow: 10, windowMs: 1000, maxConcurrent: 10 });
    sandbox.server.latencyMs = 20; // calls overlap, so concurrency is exercised too
  });
  afterAll(() => sandbox.stop());

  it('gets 60 concurrent calls through a 10/1000 ms budget with no 606 or 615 from the instance', async () => {
    const client = clientFor(sandbox, { budgetOptions: { callsPerWindow: 10, windowMs: 1000, maxConcurrent: 10 } });
    const before = sandbox.stats();
    const calls = Array.from({ length: 60 }, (_, index) => (index % 2 === 0 ? client.getList(listId) : client.isMember(listId, [1, 2, 3])));
    await Promise.all(calls);
    const after = sandbox.stats();
    expect(after.realRateLimitErrors - before.realRateLimitErrors).toBe(0);
    expect(after.dailyCalls - before.dailyCalls).toBe(60);
    expect(after.peakConcurrency).toBeLessThanOrEqual(10);
    expect(client.stats).toMatchObject({ retries: 0, throttledWaits: 0 });
  });

  it('refuses a burst past the window with 606 and past the concurrency limit with 615, counting them as real', async () => {
    // Its own instance on a clock that moves only when told: the window is empty and stays put, with no wait.
    const clock = new ManualClock(Date.parse('2026-07-01T12:00:00Z'));
    const burst = await startedSandbox({ callsPerWindow: 10, windowMs: 1000, maxConcurrent: 10, now: () => clock.now() });
    try {
      const token = await tokenOf(burst);
      const call = () => fetch(`${burst.baseUrl}/rest/v1/lists/${listId}.json`, { headers: { authorization: `Bearer ${token}` } }).then((answer) => answer.json());
      const before = burst.stats();
      burst.server.latencyMs = 200; // the calls overlap, so the concurrency limit is in play too
      const answers = (await Promise.all(Array.from({ length: 14 }, call))) as Array<{ success: boolean; errors?: Array<{ code: string }> }>;
      const codes = answers.map((answer) => (answer.success ? 'ok' : answer.errors?.[0]?.code));
      const after = burst.stats();
      // 14 arrive at once: 10 are admitted, and the other 4 are refused, by either limit
      expect(codes.filter((code) => code === 'ok')).toHaveLength(10);
      expect(codes.filter((code) => code === '606' || code === '615')).toHaveLength(4);
      expect(after.realRateLimitErrors - before.realRateLimitErrors).toBe(4);
    } finally {
      await burst.stop();
    }
  });

  it('waits out real 606s when another integration shares the window, and still gets every call through', async () => {
    // Our budget believes in 10 calls a window; the instance has room for 6 (others use the rest).
    const crowded = await startedSandbox({ callsPerWindow: 6, windowMs: 500, maxConcurrent: 10 });
    try {
      const client = clientFor(crowded, { budgetOptions: { callsPerWindow: 10, windowMs: 500, maxConcurrent: 5 } });
      await Promise.all(Array.from({ length: 14 }, () => client.getList(listId)));
      expect(crowded.stats().rateWindowRejections).toBeGreaterThan(0);
      expect(client.stats.throttledWaits).toBe(crowded.stats().rateWindowRejections);
    } finally {
      await crowded.stop();
    }
  });
});

describe('injected faults', () => {
  it('answer in place of the instance without changing state or spending its limits', async () => {
    const sandbox = await startedSandbox({ seed: false });
    try {
      const token = await tokenOf(sandbox);
      const before = sandbox.stats();
      sandbox.server.failNext('606', '503');
      const sync = () =>
        fetch(`${sandbox.baseUrl}/rest/v1/leads.json`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ input: [{ email: 'fault@example.com' }] }),
        });
      expect(await (await sync()).json()).toMatchObject({ success: false, errors: [{ code: '606' }] });
      expect((await sync()).status).toBe(503);
      expect(sandbox.leads()).toEqual([]);
      const after = sandbox.stats();
      expect(after).toMatchObject({ injectedFaults: 2, realRateLimitErrors: 0, dailyCalls: before.dailyCalls });
      expect(await (await sync()).json()).toMatchObject({ success: true, result: [{ status: 'created' }] });
    } finally {
      await sandbox.stop();
    }
  });
});

describe('the client under injected faults', () => {
  let sandbox: MarketoSandbox;
  beforeAll(async () => {
    sandbox = await startedSandbox({ callsPerWindow: 20, windowMs: 1000, seed: false });
  });
  afterAll(() => sandbox.stop());

  it('gets every call through when 10% of answers are 601/602/604/606/615/5xx/time-outs, and ends with the exact list', async () => {
    // 607 is left out: it means "stop until midnight", which the client does by design.
    const kinds = MARKETO_FAULT_KINDS.filter((kind) => kind !== '607');
    const list = sandbox.addList('under faults');
    const client = clientFor(sandbox, { timeoutMs: 300, maxRetries: 6, budgetOptions: { callsPerWindow: 20, windowMs: 1000, maxConcurrent: 5 } });
    sandbox.server.setFaults({ rate: 0.1, kinds: [...kinds], seed: 20260115 });
    try {
      const people = emails(40, 'faulty');
      const batches = [people.slice(0, 10), people.slice(10, 20), people.slice(20, 30), people.slice(30)];
      await Promise.all(
        batches.map(async (batch) => {
          const synced = await client.syncLeads({ input: batch.map((email) => ({ email })) });
          const ids = synced.flatMap((result) => (result.status === 'skipped' ? [] : [result.id]));
          expect(ids).toHaveLength(batch.length);
          await client.addToList(list.id, ids);
          await client.isMember(list.id, ids);
        }),
      );
      await Promise.all(Array.from({ length: 20 }, () => client.getList(list.id)));
    } finally {
      sandbox.server.clearFaults();
    }
    const stats = sandbox.stats();
    expect(stats.injectedFaults).toBeGreaterThan(0);
    expect(stats.realRateLimitErrors).toBe(0);
    expect(client.stats.retries).toBeGreaterThanOrEqual(stats.injectedFaults);
    expect(sandbox.listMemberIds(list.id)).toHaveLength(40);
    expect(sandbox.leads()).toHaveLength(40);
    expect(sandbox.duplicateEmails()).toEqual([]);
  });
});

describe('the daily quota', () => {
  it('stops with MarketoDailyQuotaError until midnight US Central, then works again', async () => {
    const clock = new ManualClock(Date.parse('2026-07-01T12:00:00Z'));
    const sandbox = await startedSandbox({ dailyQuota: 50, now: () => clock.now() });
    try {
      const client = clientFor(sandbox, { now: () => clock.now() });
      sandbox.spendDailyQuota(49); // other integrations used most of it
      await client.getList(listId);
      const error = await client.getList(listId).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MarketoDailyQuotaError);
      expect((error as MarketoDailyQuotaError).resumeAt.toISOString()).toBe('2026-07-02T05:00:00.000Z');
      expect(client.stats.retries).toBe(0);
      clock.set((error as MarketoDailyQuotaError).resumeAt.getTime());
      await expect(client.getList(listId)).resolves.toMatchObject({ id: listId });
      expect(sandbox.stats().dailyQuotaRejections).toBe(1);
    } finally {
      await sandbox.stop();
    }
  });
});
