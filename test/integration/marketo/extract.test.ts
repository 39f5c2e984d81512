import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { ManualClock } from '#shared/clock.ts';
import type { MarketoClient } from '#shared/marketo/client.ts';
import { parseCsv } from '#shared/marketo/csv.ts';
import type { ExportStatus } from '#shared/marketo/schemas.ts';
import { MarketoConfigError, MarketoError, MarketoUnavailableError } from '#shared/marketo/errors.ts';
import { clientFor, startedSandbox } from './support';

/** Marketo's bulk lead extract, against the sandbox: the job's states, its limits and codes, and the file. */
describe('Marketo bulk lead extract', () => {
  const clock = new ManualClock(Date.parse('2026-01-15T09:00:00Z'));
  let sandbox: MarketoSandbox;
  let client: MarketoClient;
  beforeAll(async () => {
    sandbox = await startedSandbox({ exportDurationMs: 60_000, seed: false, now: () => clock.now() });
    client = clientFor(sandbox, { now: () => clock.now() });
  });
  afterAll(() => sandbox.stop());

  const codeOf = async (call: Promise<unknown>) => {
    const error = await call.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(MarketoError);
    return error as MarketoError;
  };

  it('goes Created, Queued, Processing, Completed; the file is RFC 4180 CSV of the members when processing began, requested fields as header', async () => {
    const list = sandbox.addList('extract members');
    const acme = sandbox.addLead({ email: 'acme@example.com', company: 'Acme, Inc.' });
    const quoted = sandbox.addLead({ email: 'quoted@example.com', company: 'The "Best" Co' });
    const noEmail = sandbox.addLead({ firstName: 'Nobody' });
    sandbox.addLead({ email: 'outsider@example.com' });
    sandbox.addToList(list.id, [acme.id, quoted.id]);

    const created = await client.createLeadExport({ fields: ['id', 'email', 'company'], filter: { staticListId: list.id }, columnHeaderNames: { id: 'Marketo Id' } });
    expect(created.status).toBe('Created');
    // Created is not queued: nothing runs, however long we wait.
    clock.advance(120_000);
    expect((await client.getLeadExportStatus(created.exportId)).status).toBe('Created');
    // Members added before processing starts are in the file.
    sandbox.addToList(list.id, [noEmail.id]);
    const queued = await client.enqueueLeadExport(created.exportId);
    expect(queued.status).toBe('Queued');
    const processing = await client.getLeadExportStatus(created.exportId);
    expect(processing.status).toBe('Processing');
    // A member added once processing began is not.
    sandbox.addToList(list.id, [sandbox.addLead({ email: 'late@example.com' }).id]);
    const notYet = await codeOf(client.getLeadExportFile(created.exportId));
    expect(notYet).toBeInstanceOf(MarketoConfigError);
    expect(notYet.code).toBe('file-not-found');

    clock.advance(60_000);
    const done = await client.getLeadExportStatus(created.exportId);
    expect(done).toMatchObject({ status: 'Completed', numberOfRecords: 3 });
    const file = await client.getLeadExportFile(created.exportId);
    expect(done.fileSize).toBe(Buffer.byteLength(file));
    expect(done.fileChecksum).toBe(`sha256:${createHash('sha256').update(file).digest('hex')}`);
    const [header, ...rows] = parseCsv(file);
    expect(header).toEqual(['Marketo Id', 'email', 'company']);
    // Marketo writes null for an empty value.
    expect(rows).toEqual([
      [String(acme.id), 'acme@example.com', 'Acme, Inc.'],
      [String(quoted.id), 'quoted@example.com', 'The "Best" Co'],
      [String(noEmail.id), 'null', 'null'],
    ]);
    expect(file).toContain('"Acme, Inc."');
    expect(file).toContain('"The ""Best"" Co"');

    // The file is kept seven days.
    clock.advance(7 * 24 * 3600_000);
    expect((await codeOf(client.getLeadExportFile(created.exportId))).code).toBe('file-not-found');
  });

  it('enqueues a job only once (1029), answers 1003 for an unknown job, and cancels', async () => {
    const list = sandbox.addList('extract once');
    const created = await client.createLeadExport({ fields: ['id', 'email'], filter: { staticListId: list.id } });
    await client.enqueueLeadExport(created.exportId);
    const again = await codeOf(client.enqueueLeadExport(created.exportId));
    expect(again).toBeInstanceOf(MarketoUnavailableError);
    expect(again.code).toBe('1029');
    expect(again.message).toContain('Job already queued');
    expect((await codeOf(client.getLeadExportStatus('no-such-export'))).code).toBe('1003');
    expect((await client.cancelLeadExport(created.exportId)).status).toBe('Cancelled');
    expect((await client.getLeadExportStatus(created.exportId)).status).toBe('Cancelled');
    expect((await codeOf(client.getLeadExportFile(created.exportId))).code).toBe('file-not-found');
  });

  it('processes two jobs at a time and queues at most ten, the processing ones included (1029)', async () => {
    const clock = new ManualClock(Date.parse('2026-01-16T09:00:00Z'));
    const limited = await startedSandbox({ exportDurationMs: 1_000, seed: false, now: () => clock.now() });
    try {
      const limitedClient = clientFor(limited, { now: () => clock.now() });
      const list = limited.addList('queue');
      const jobs: ExportStatus[] = [];
      for (let index = 0; index < 11; index += 1) jobs.push(await limitedClient.createLeadExport({ fields: ['id', 'email'], filter: { staticListId: list.id } }));
      for (const job of jobs.slice(0, 10)) await limitedClient.enqueueLeadExport(job.exportId);
      const full = await codeOf(limitedClient.enqueueLeadExport(jobs[10]!.exportId));
      expect(full.code).toBe('1029');
      expect(full.message).toContain('Too many jobs in queue');
      const states = async () => Promise.all(jobs.slice(0, 10).map(async (job) => (await limitedClient.getLeadExportStatus(job.exportId)).status));
      expect(await states()).toEqual(['Processing', 'Processing', ...Array<string>(8).fill('Queued')]);
      clock.advance(1_000);
      expect(await states()).toEqual(['Completed', 'Completed', 'Processing', 'Processing', ...Array<string>(6).fill('Queued')]);
      // A place in the queue is free again.
      expect((await limitedClient.enqueueLeadExport(jobs[10]!.exportId)).status).toBe('Queued');
    } finally {
      await limited.stop();
    }
  });

  it('refuses create and enqueue once the day\'s export allowance is spent, until midnight US Central (1029)', async () => {
    const clock = new ManualClock(Date.parse('2026-01-16T15:00:00Z'));
    const small = await startedSandbox({ exportDurationMs: 10, dailyExportBytes: 100, seed: false, now: () => clock.now() });
    try {
      const smallClient = clientFor(small, { now: () => clock.now() });
      const list = small.addList('allowance');
      small.addToList(list.id, Array.from({ length: 10 }, (_, index) => small.addLead({ email: `person.${index}@example.com` }).id));
      const waiting = await smallClient.createLeadExport({ fields: ['id', 'email'], filter: { staticListId: list.id } });
      const first = await smallClient.createLeadExport({ fields: ['id', 'email'], filter: { staticListId: list.id } });
      await smallClient.enqueueLeadExport(first.exportId);
      clock.advance(10);
      expect((await smallClient.getLeadExportStatus(first.exportId)).fileSize).toBeGreaterThan(100);
      const create = await codeOf(smallClient.createLeadExport({ fields: ['id'], filter: { staticListId: list.id } }));
      expect([create.code, create.message.includes('Export daily quota exceeded')]).toEqual(['1029', true]);
      expect((await codeOf(smallClient.enqueueLeadExport(waiting.exportId))).code).toBe('1029');
      // 15:00 UTC is 09:00 in Chicago in January: the next day starts 15 hours later.
      clock.advance(15 * 3600_000);
      expect((await smallClient.enqueueLeadExport(waiting.exportId)).status).toBe('Queued');
    } finally {
      await small.stop();
    }
  });

  it('answers a request it cannot run with Marketo\'s codes: 1035 filter not in the subscription, 1013 no such list, 1006 no such field, 1003 two filters', async () => {
    const list = sandbox.addList('extract codes');
    const updated = await codeOf(client.createLeadExport({ fields: ['id'], filter: { updatedAt: { startAt: '2026-01-01T00:00:00Z', endAt: '2026-01-02T00:00:00Z' } } as never }));
    expect([updated.code, updated.kind]).toEqual(['1035', 'configuration']);
    expect((await codeOf(client.createLeadExport({ fields: ['id'], filter: { staticListId: 999_999 } }))).code).toBe('1013');
    expect((await codeOf(client.createLeadExport({ fields: ['id', 'noSuchField'], filter: { staticListId: list.id } }))).code).toBe('1006');
    expect((await codeOf(client.createLeadExport({ fields: ['id'], filter: { staticListId: list.id, staticListName: 'extract codes' } as never }))).code).toBe('1003');
    // Every one of them was a call the instance counted, and nothing was created.
    expect(sandbox.exports().filter((job) => job.fields.includes('noSuchField'))).toEqual([]);
  });
});
