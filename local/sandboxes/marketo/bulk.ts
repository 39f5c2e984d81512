import type { SandboxResponse, SandboxServer } from '#local/sandboxes/framework.ts';
import { CsvSyntaxError, parseCsv, toCsv } from '#shared/marketo/csv.ts';
import { failure, objectNotFound, success, wholeNumber } from './envelope';
import { parseMultipart } from './multipart';
import type { FieldValue, MarketoState } from './state';

/**
 * Bulk lead import (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-lead-import):
 * a CSV upserted asynchronously (create or update, never a per-record result),
 * the rows also added to `listId`. Jobs run first in, first out, two at a time;
 * at most 10 may be queued, the running ones included (1016); a second import
 * into a list that is still importing gets 1019. Jobs advance lazily: each
 * request and inspection brings them up to the sandbox's clock. A file over
 * 10 MB is refused with 413 before it gets here (limits.ts). A finished job's
 * failures and warnings files repeat the rows as sent with one more column
 * saying why. Marketo does not list what warrants a warning; this sandbox
 * warns on a row holding a value over 255 characters (stored cut to 255), so
 * callers' handling of warnings can be tested.
 */
export type ImportState = 'Queued' | 'Importing' | 'Complete' | 'Failed';

export interface ImportJob {
  batchId: number;
  status: ImportState;
  lookupField: string;
  listId?: number;
  queuedAt: number;
  startedAt?: number;
  numOfLeadsProcessed: number;
  numOfRowsFailed: number;
  numOfRowsWithWarning: number;
  message: string;
  failures: Array<{ row: string[]; reason: string }>;
  warnings: Array<{ row: string[]; reason: string }>;
  header: string[];
  partitionName?: string;
  /** The file, until the job has run. */
  csv?: string;
}

const MAX_PROCESSING = 2;
const MAX_VALUE_LENGTH = 255;
const MAX_QUEUED = 10;

export class ImportQueue {
  private readonly jobs: ImportJob[] = [];
  private nextBatchId = 1000;

  constructor(
    private readonly state: MarketoState,
    private readonly now: () => number,
    private readonly importDurationMs: number,
  ) {}

  submit(csv: string, lookupField: string, listId: number | undefined, partitionName?: string): ImportJob | { refuse: SandboxResponse } {
    this.advance();
    const unfinished = this.jobs.filter((job) => job.status === 'Queued' || job.status === 'Importing');
    if (unfinished.length >= MAX_QUEUED) return { refuse: failure('1016', 'Too many imports') };
    if (listId !== undefined && unfinished.some((job) => job.listId === listId)) return { refuse: failure('1019', 'Import in progress') };
    const job: ImportJob = {
      batchId: this.nextBatchId++,
      status: 'Queued',
      lookupField,
      listId,
      queuedAt: this.now(),
      numOfLeadsProcessed: 0,
      numOfRowsFailed: 0,
      numOfRowsWithWarning: 0,
      message: '',
      failures: [],
      warnings: [],
      header: [],
      csv,
      ...(partitionName === undefined ? {} : { partitionName }),
    };
    // A new job always answers Queued; the next look finds it importing from the moment it was queued if a slot was free.
    this.jobs.push(job);
    return job;
  }

  job(batchId: number): ImportJob | undefined {
    this.advance();
    return this.jobs.find((job) => job.batchId === batchId);
  }

  all(): ImportJob[] {
    this.advance();
    return this.jobs.map((job) => ({ ...job, failures: [...job.failures], warnings: [...job.warnings] }));
  }

  /**
   * Runs the timeline up to now: finish due jobs in finishing order, each
   * freeing its slot for the next queued job at that instant. A queued job that
   * finds a slot free here was queued after the slot freed: it starts when queued.
   */
  advance(): void {
    const now = this.now();
    for (;;) {
      this.startQueued(0);
      const due = this.jobs
        .filter((job) => job.status === 'Importing' && (job.startedAt ?? now) + this.importDurationMs <= now)
        .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0))[0];
      if (!due) return;
      this.run(due);
      this.startQueued((due.startedAt ?? now) + this.importDurationMs);
    }
  }

  private startQueued(at: number): void {
    let processing = this.jobs.filter((job) => job.status === 'Importing').length;
    for (const job of this.jobs) {
      if (processing >= MAX_PROCESSING) return;
      if (job.status !== 'Queued') continue;
      job.status = 'Importing';
      job.startedAt = Math.max(at, job.queuedAt);
      processing += 1;
    }
  }

  private run(job: ImportJob): void {
    const csv = job.csv ?? '';
    job.csv = undefined;
    let records: string[][];
    try {
      records = parseCsv(csv);
    } catch (error) {
      return this.fail(job, error instanceof CsvSyntaxError ? `Invalid file: ${error.message}` : 'Invalid file');
    }
    const [header, ...rows] = records;
    if (!header) return this.fail(job, 'Empty file');
    job.header = header;
    const unknown = header.find((field) => field !== 'id' && !this.state.isWritableField(field));
    if (unknown) return this.fail(job, `Field '${unknown}' not found`);
    if (!header.includes(job.lookupField)) return this.fail(job, `Lookup field '${job.lookupField}' is not a column`);
    for (const row of rows) {
      const failed = this.importRow(job, header, row);
      if (failed) job.failures.push({ row, reason: failed });
      else job.numOfLeadsProcessed += 1;
      if (!failed && row.some((value) => value.length > MAX_VALUE_LENGTH)) job.warnings.push({ row, reason: `Value longer than ${MAX_VALUE_LENGTH} characters truncated` });
    }
    job.numOfRowsFailed = job.failures.length;
    job.numOfRowsWithWarning = job.warnings.length;
    job.status = 'Complete';
    const members = job.listId === undefined ? '' : ` (${job.numOfLeadsProcessed} members)`;
    job.message =
      job.numOfRowsFailed === 0
        ? `Import succeeded, ${job.numOfLeadsProcessed} records imported${members}`
        : `Import completed with errors, ${job.numOfLeadsProcessed} records imported${members}, ${job.numOfRowsFailed} failed`;
  }

  /** Upserts one row; answers why it failed, if it did. */
  private importRow(job: ImportJob, header: string[], row: string[]): string | undefined {
    if (row.length !== header.length) return `Row has ${row.length} fields, the header ${header.length}`;
    const fields: Record<string, FieldValue> = {};
    header.forEach((name, index) => {
      if (name !== 'id') fields[name] = row[index] === '' ? null : (row[index]?.slice(0, MAX_VALUE_LENGTH) ?? null);
    });
    const key = row[header.indexOf(job.lookupField)] ?? '';
    if (key === '') return `Value for lookup field '${job.lookupField}' not specified`;
    const matches = this.state.leadsMatching(job.lookupField, job.lookupField === 'id' ? Number(key) : key);
    if (matches.length > 1) return 'Multiple lead match lookup criteria';
    const [match] = matches;
    // lookupField id makes the import update-only.
    if (!match && job.lookupField === 'id') return 'Lead not found';
    const lead = match ? this.state.updateLead(match.id, fields) : this.state.createLead(fields, job.partitionName);
    if (lead && job.listId !== undefined && this.state.list(job.listId)) this.state.addMember(job.listId, lead.id);
    return undefined;
  }

  private fail(job: ImportJob, message: string): void {
    job.status = 'Failed';
    job.message = message;
  }
}

export function bulkRoutes(server: SandboxServer, state: MarketoState, imports: ImportQueue): void {
  server.route('POST', '/bulk/v1/leads.json', (request) => {
    const parts = parseMultipart(request.headers['content-type'], request.body);
    if (!parts) return failure('613', 'Invalid Multipart Request');
    const text = (name: string) => parts.get(name)?.content.toString('utf8') ?? request.query.get(name) ?? undefined;
    const file = parts.get('file');
    if (!file) return failure('701', 'file cannot be blank');
    const format = (text('format') ?? 'csv').toLowerCase();
    if (format !== 'csv') return failure('1003', `Format '${format}' is not supported by this sandbox`);
    const lookupField = text('lookupField') ?? 'email';
    if (lookupField !== 'id' && !state.isWritableField(lookupField)) return failure('1006', `Field '${lookupField}' not found`);
    const listText = text('listId');
    const listId = listText === undefined ? undefined : wholeNumber(listText);
    if (listText !== undefined && (listId === undefined || !state.list(listId))) return objectNotFound('List');
    const job = imports.submit(file.content.toString('utf8'), lookupField, listId, text('partitionName'));
    if ('refuse' in job) return job.refuse;
    return success([{ batchId: job.batchId, importId: String(job.batchId), status: job.status }]);
  });

  server.route('GET', '/bulk/v1/leads/batch/:batchId.json', (request) => {
    const job = imports.job(wholeNumber(request.params.batchId) ?? 0);
    if (!job) return objectNotFound('Import');
    return success([statusOf(job)]);
  });

  for (const which of ['failures', 'warnings'] as const) {
    server.route('GET', `/bulk/v1/leads/batch/:batchId/${which}.json`, (request) => {
      const job = imports.job(wholeNumber(request.params.batchId) ?? 0);
      if (!job) return objectNotFound('Import');
      const reasonColumn = which === 'failures' ? 'Import Failure Reason' : 'Import Warning Reason';
      const columns = [...job.header, reasonColumn];
      const rows = job[which].map(({ row, reason }) => Object.fromEntries([...row.map((value, index) => [job.header[index] ?? `column${index}`, value]), [reasonColumn, reason]]));
      return { status: 200, headers: { 'content-type': 'text/csv' }, body: toCsv(columns, rows) };
    });
  }
}

function statusOf(job: ImportJob) {
  return {
    batchId: job.batchId,
    importId: String(job.batchId),
    status: job.status,
    numOfLeadsProcessed: job.numOfLeadsProcessed,
    numOfRowsFailed: job.numOfRowsFailed,
    numOfRowsWithWarning: job.numOfRowsWithWarning,
    message: job.message,
  };
}
