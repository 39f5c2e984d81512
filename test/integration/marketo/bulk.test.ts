import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { ManualClock } from '#shared/clock.ts';
import type { MarketoClient } from '#shared/marketo/client.ts';
import { toCsv } from '#shared/marketo/csv.ts';
import type { ImportStatus } from '#shared/marketo/schemas.ts';
import { clientFor, startedSandbox } from './support';

/** Polls as a caller would, moving the test clock 20 ms between polls instead of waiting. */
async function untilDone(client: MarketoClient, clock: ManualClock, batchId: number): Promise<{ final: ImportStatus }> {
  for (let poll = 0; poll < 100; poll += 1) {
    const status = await client.getImportStatus(batchId);
    if (status.status === 'Complete' || status.status === 'Failed') return { final: status };
    clock.advance(20);
  }
  throw new Error(`import ${batchId} did not finish`);
}

describe('Marketo bulk lead import', () => {
  const clock = new ManualClock(Date.parse('2026-01-15T09:00:00Z'));
  let sandbox: MarketoSandbox;
  let client: MarketoClient;
  beforeAll(async () => {
    sandbox = await startedSandbox({ importDurationMs: 60, seed: false, now: () => clock.now() });
    client = clientFor(sandbox, { now: () => clock.now() });
  });
  afterAll(() => sandbox.stop());

  it('upserts the rows and adds them to the list, keeping a quoted company whole', async () => {
    const list = sandbox.addList('bulk target');
    const existing = sandbox.addLead({ email: 'known@example.com', firstName: 'Old' });
    const csv = toCsv(
      ['email', 'firstName', 'company'],
      [
        { email: 'known@example.com', firstName: 'New', company: 'Acme, Inc.' },
        { email: 'quoted@example.com', firstName: 'Quinn', company: 'The "Best" Co' },
        { email: 'multi@example.com', firstName: 'Line', company: 'Two\nLines' },
      ],
    );
    const queued = await client.importLeadsCsv({ csv, listId: list.id });
    expect(queued.status).toBe('Queued');
    const { final } = await untilDone(client, clock, queued.batchId);
    expect(final).toMatchObject({ status: 'Complete', numOfLeadsProcessed: 3, numOfRowsFailed: 0 });
    expect(sandbox.lead(existing.id)?.fields).toMatchObject({ firstName: 'New', company: 'Acme, Inc.' });
    expect(sandbox.leadsByEmail('quoted@example.com')[0]?.fields.company).toBe('The "Best" Co');
    expect(sandbox.leadsByEmail('multi@example.com')[0]?.fields.company).toBe('Two\nLines');
    expect(sandbox.listMemberIds(list.id)).toHaveLength(3);
  });

  it('goes Queued, Importing, Complete, two jobs at a time, first in first out', async () => {
    const clock = new ManualClock(Date.parse('2026-01-15T12:00:00Z'));
    const timed = await startedSandbox({ importDurationMs: 1000, seed: false, now: () => clock.now() });
    try {
      const timedClient = clientFor(timed, { now: () => clock.now() });
      const csv = toCsv(['email'], [{ email: 'timed@example.com' }]);
      const jobs = [await timedClient.importLeadsCsv({ csv }), await timedClient.importLeadsCsv({ csv }), await timedClient.importLeadsCsv({ csv })];
      expect(jobs.map((job) => job.status)).toEqual(['Queued', 'Queued', 'Queued']);
      const statuses = () => Promise.all(jobs.map(async (job) => (await timedClient.getImportStatus(job.batchId)).status));
      expect(await statuses()).toEqual(['Importing', 'Importing', 'Queued']);
      clock.advance(1000);
      expect(await statuses()).toEqual(['Complete', 'Complete', 'Importing']);
      clock.advance(1000);
      expect(await statuses()).toEqual(['Complete', 'Complete', 'Complete']);
      expect(timed.leadsByEmail('timed@example.com')).toHaveLength(1);
    } finally {
      await timed.stop();
    }
  });

  it('counts rows that cannot be imported as failures', async () => {
    const csv = 'email,firstName\r\nfine@example.com,Fine\r\n,NoEmail\r\ntoo@example.com,Many,Fields\r\n';
    const queued = await client.importLeadsCsv({ csv });
    const { final } = await untilDone(client, clock, queued.batchId);
    expect(final).toMatchObject({ status: 'Complete', numOfLeadsProcessed: 1, numOfRowsFailed: 2 });
  });

  it('fails a file with a broken quote, as a careless writer deserves', async () => {
    const queued = await client.importLeadsCsv({ csv: 'email,company\r\nbroken@example.com,"Acme, Inc.\r\n' });
    const { final } = await untilDone(client, clock, queued.batchId);
    expect(final.status).toBe('Failed');
    expect(sandbox.leadsByEmail('broken@example.com')).toEqual([]);
  });

  it('refuses a second import into a list that is still importing (1019) and an eleventh queued job (1016)', async () => {
    const slow = await startedSandbox({ importDurationMs: 60_000, seed: false });
    try {
      const slowClient = clientFor(slow, { maxRetries: 0 });
      const list = slow.addList('busy');
      const csv = toCsv(['email'], [{ email: 'a@example.com' }]);
      await slowClient.importLeadsCsv({ csv, listId: list.id });
      await expect(slowClient.importLeadsCsv({ csv, listId: list.id })).rejects.toMatchObject({ code: '1019', kind: 'transient' });
      for (let job = 1; job < 10; job += 1) await slowClient.importLeadsCsv({ csv });
      const jobs = slow.imports();
      expect(jobs.filter((job) => job.status === 'Importing')).toHaveLength(2);
      expect(jobs.filter((job) => job.status === 'Queued')).toHaveLength(8);
      await expect(slowClient.importLeadsCsv({ csv })).rejects.toMatchObject({ code: '1016', kind: 'transient' });
    } finally {
      await slow.stop();
    }
  });
});
