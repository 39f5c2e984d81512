import { createHash, randomUUID } from 'node:crypto';
import type { SandboxRequest, SandboxResponse, SandboxServer } from '#local/sandboxes/framework.ts';
import { centralDay } from '#shared/marketo/central-time.ts';
import { toCsv } from '#shared/marketo/csv.ts';
import { blank, failure, jsonBody, success } from './envelope';
import type { MarketoState } from './state';

/**
 * Bulk lead extract (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-lead-extract,
 * limits on https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract):
 * a job is created (`Created`), enqueued once (`Queued`; again: 1029 "Job
 * already queued"), processed two at a time (`Processing`), then `Completed`
 * (or `Failed`, or `Cancelled` when cancelled first). At most 10 jobs queued,
 * the processing ones included (1029 "Too many jobs in queue"). A static list
 * filter takes the members at the moment the job starts processing. Completed
 * files count against a daily export allowance (500 MB by default, reset at
 * midnight US Central); once spent, create and enqueue answer 1029 "Export
 * daily quota exceeded". The file is CSV with the requested fields as header
 * (renamed by `columnHeaderNames`) and `null` for an empty value, kept seven
 * days; a file asked for before completion, after retention or for an unknown
 * job is an HTTP 404 with a plain-text body, as Adobe documents. This
 * sandbox's subscription has no `updatedAt` or smart list filters (1035, as
 * some real subscriptions); only CSV is produced (TSV/SSV: 1003).
 *
 * Not documented by Adobe, chosen here: an unknown export ID on enqueue,
 * status and cancel is 1003; a static list filter naming no list is 1013.
 */
export type ExportState = 'Created' | 'Queued' | 'Processing' | 'Completed' | 'Failed' | 'Cancelled';

export interface ExportJob {
  exportId: string;
  status: ExportState;
  format: 'CSV';
  fields: string[];
  header: string[];
  filter: ExportFilter;
  createdAt: number;
  queuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  /** Lead IDs taken when processing started. */
  members?: number[];
  file?: string;
  numberOfRecords?: number;
  fileSize?: number;
  fileChecksum?: string;
  errorMsg?: string;
}

type ExportFilter = { staticListId: number } | { staticListName: string } | { createdAt: { startAt: number; endAt: number } };

const MAX_PROCESSING = 2;
const MAX_QUEUED = 10;
const FILE_RETENTION_MS = 7 * 24 * 3600_000;
const MAX_DATE_RANGE_MS = 31 * 24 * 3600_000;
export const DEFAULT_DAILY_EXPORT_BYTES = 500 * 1024 * 1024;
/** Filters Adobe documents but this sandbox's subscription lacks (1035). */
const UNSUPPORTED_FILTERS = new Set(['updatedAt', 'smartListId', 'smartListName']);

export class ExportQueue {
  private readonly jobs = new Map<string, ExportJob>();
  private exportedToday = { day: '', bytes: 0 };

  constructor(
    private readonly state: MarketoState,
    private readonly now: () => number,
    private readonly exportDurationMs: number,
    private readonly dailyExportBytes: number,
  ) {}

  create(body: unknown): ExportJob | { refuse: SandboxResponse } {
    this.advance();
    const input = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const fields = input.fields;
    if (!Array.isArray(fields) || fields.length === 0) return { refuse: blank('fields') };
    if (!fields.every((field): field is string => typeof field === 'string')) return { refuse: failure('1003', 'Invalid value for fields') };
    const unknown = fields.find((field) => !this.state.isField(field));
    if (unknown) return { refuse: failure('1006', `Field '${unknown}' not found`) };
    const format = typeof input.format === 'string' ? input.format.toUpperCase() : 'CSV';
    if (format !== 'CSV') return { refuse: failure('1003', `Format '${format}' is not supported by this sandbox`) };
    const filter = this.filterOf(input.filter);
    if ('refuse' in filter) return filter;
    const renames = typeof input.columnHeaderNames === 'object' && input.columnHeaderNames !== null ? (input.columnHeaderNames as Record<string, unknown>) : {};
    if (this.quotaSpent()) return { refuse: failure('1029', 'Export daily quota exceeded') };
    const job: ExportJob = {
      exportId: randomUUID(),
      status: 'Created',
      format: 'CSV',
      fields,
      header: fields.map((field) => (typeof renames[field] === 'string' ? (renames[field] as string) : field)),
      filter: filter.filter,
      createdAt: this.now(),
    };
    this.jobs.set(job.exportId, job);
    return job;
  }

  enqueue(exportId: string): ExportJob | { refuse: SandboxResponse } {
    this.advance();
    const job = this.jobs.get(exportId);
    if (!job) return { refuse: unknownExport() };
    if (job.status !== 'Created') return { refuse: failure('1029', 'Job already queued') };
    if (this.quotaSpent()) return { refuse: failure('1029', 'Export daily quota exceeded') };
    if (this.unfinished().length >= MAX_QUEUED) return { refuse: failure('1029', 'Too many jobs in queue') };
    job.status = 'Queued';
    job.queuedAt = this.now();
    return job;
  }

  cancel(exportId: string): ExportJob | { refuse: SandboxResponse } {
    this.advance();
    const job = this.jobs.get(exportId);
    if (!job) return { refuse: unknownExport() };
    if (job.status === 'Created' || job.status === 'Queued' || job.status === 'Processing') {
      job.status = 'Cancelled';
      job.members = undefined;
    }
    return job;
  }

  job(exportId: string): ExportJob | undefined {
    this.advance();
    return this.jobs.get(exportId);
  }

  all(): ExportJob[] {
    this.advance();
    return [...this.jobs.values()].map((job) => ({ ...job }));
  }

  /** The file of a completed job still within retention, or undefined (the endpoint's 404). */
  file(exportId: string): string | undefined {
    const job = this.job(exportId);
    if (!job || job.status !== 'Completed' || (job.finishedAt ?? 0) + FILE_RETENTION_MS <= this.now()) return undefined;
    return job.file;
  }

  /** Runs the timeline up to now: queued jobs start when a slot is free (first in, first out), processing ones finish after the duration. */
  advance(): void {
    const now = this.now();
    for (;;) {
      this.startQueued(0);
      const due = [...this.jobs.values()]
        .filter((job) => job.status === 'Processing' && (job.startedAt ?? now) + this.exportDurationMs <= now)
        .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0))[0];
      if (!due) return;
      this.finish(due);
      this.startQueued((due.startedAt ?? now) + this.exportDurationMs);
    }
  }

  private startQueued(at: number): void {
    let processing = [...this.jobs.values()].filter((job) => job.status === 'Processing').length;
    const queued = [...this.jobs.values()].filter((job) => job.status === 'Queued').sort((a, b) => (a.queuedAt ?? 0) - (b.queuedAt ?? 0));
    for (const job of queued) {
      if (processing >= MAX_PROCESSING) return;
      job.status = 'Processing';
      job.startedAt = Math.max(at, job.queuedAt ?? at);
      // A list filter takes the members at the moment processing starts.
      const members = this.membersOf(job.filter);
      if (members === undefined) {
        job.status = 'Failed';
        job.finishedAt = job.startedAt;
        job.errorMsg = 'Static list not found';
        continue;
      }
      job.members = members;
      processing += 1;
    }
  }

  private finish(job: ExportJob): void {
    const rows = (job.members ?? []).flatMap((id) => {
      const lead = this.state.lead(id);
      if (!lead) return [];
      return [Object.fromEntries(job.fields.map((field, index) => [job.header[index] ?? field, valueOf(lead, field)]))];
    });
    job.file = toCsv(job.header, rows);
    job.members = undefined;
    job.status = 'Completed';
    job.finishedAt = (job.startedAt ?? this.now()) + this.exportDurationMs;
    job.numberOfRecords = rows.length;
    job.fileSize = Buffer.byteLength(job.file);
    job.fileChecksum = `sha256:${createHash('sha256').update(job.file).digest('hex')}`;
    this.countExported(job.fileSize);
  }

  private membersOf(filter: ExportFilter): number[] | undefined {
    if ('staticListId' in filter) return this.state.list(filter.staticListId) ? this.state.memberIds(filter.staticListId) : undefined;
    if ('staticListName' in filter) {
      const list = this.state.allLists().find((candidate) => candidate.name === filter.staticListName);
      return list?.memberIds;
    }
    const { startAt, endAt } = filter.createdAt;
    return this.state
      .allLeads()
      .filter((lead) => Date.parse(lead.createdAt) >= startAt && Date.parse(lead.createdAt) <= endAt)
      .map((lead) => lead.id);
  }

  private filterOf(raw: unknown): { filter: ExportFilter } | { refuse: SandboxResponse } {
    if (typeof raw !== 'object' || raw === null || Object.keys(raw).length === 0) return { refuse: blank('filter') };
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length > 1) return { refuse: failure('1003', 'Only one filter type may be specified') };
    const [name, value] = entries[0]!;
    if (UNSUPPORTED_FILTERS.has(name)) return { refuse: failure('1035', 'Unsupported filter type for target subscription') };
    if (name === 'staticListId') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return { refuse: failure('1001', `Invalid value '${String(value)}'. Required of type 'Integer'`) };
      if (!this.state.list(value)) return { refuse: failure('1013', 'Static list not found') };
      return { filter: { staticListId: value } };
    }
    if (name === 'staticListName') {
      if (typeof value !== 'string' || !this.state.allLists().some((list) => list.name === value)) return { refuse: failure('1013', 'Static list not found') };
      return { filter: { staticListName: value } };
    }
    if (name === 'createdAt') {
      const range = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
      const startAt = typeof range.startAt === 'string' ? Date.parse(range.startAt) : Number.NaN;
      const endAt = typeof range.endAt === 'string' ? Date.parse(range.endAt) : Number.NaN;
      if (Number.isNaN(startAt) || Number.isNaN(endAt) || endAt < startAt) return { refuse: failure('1003', 'Invalid date range') };
      if (endAt - startAt > MAX_DATE_RANGE_MS) return { refuse: failure('1003', 'Date range must be 31 days or fewer') };
      return { filter: { createdAt: { startAt, endAt } } };
    }
    return { refuse: failure('1003', `Invalid filter type '${name}'`) };
  }

  private unfinished(): ExportJob[] {
    return [...this.jobs.values()].filter((job) => job.status === 'Queued' || job.status === 'Processing');
  }

  private quotaSpent(): boolean {
    this.startDayIfNew();
    return this.exportedToday.bytes >= this.dailyExportBytes;
  }

  private countExported(bytes: number): void {
    this.startDayIfNew();
    this.exportedToday.bytes += bytes;
  }

  private startDayIfNew(): void {
    const today = centralDay(this.now());
    if (today !== this.exportedToday.day) this.exportedToday = { day: today, bytes: 0 };
  }
}

function unknownExport(): SandboxResponse {
  return failure('1003', 'Export id not found');
}

/** A field's value in the file: Marketo writes `null` for an empty one. */
function valueOf(lead: NonNullable<ReturnType<MarketoState['lead']>>, field: string): string | number | boolean {
  const value = field === 'id' ? lead.id : field === 'createdAt' ? lead.createdAt : field === 'updatedAt' ? lead.updatedAt : lead.fields[field];
  return value === undefined || value === null || value === '' ? 'null' : value;
}

function statusOf(job: ExportJob) {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return {
    exportId: job.exportId,
    format: job.format,
    status: job.status,
    createdAt: iso(job.createdAt),
    ...(job.queuedAt === undefined ? {} : { queuedAt: iso(job.queuedAt) }),
    ...(job.startedAt === undefined ? {} : { startedAt: iso(job.startedAt) }),
    ...(job.finishedAt === undefined ? {} : { finishedAt: iso(job.finishedAt) }),
    ...(job.status === 'Completed' ? { numberOfRecords: job.numberOfRecords, fileSize: job.fileSize, fileChecksum: job.fileChecksum } : {}),
    ...(job.errorMsg === undefined ? {} : { errorMsg: job.errorMsg }),
  };
}

export function extractRoutes(server: SandboxServer, exports: ExportQueue): void {
  const answer = (outcome: ExportJob | { refuse: SandboxResponse }) => ('refuse' in outcome ? outcome.refuse : success([statusOf(outcome)]));
  server.route('POST', '/bulk/v1/leads/export/create.json', (request) => {
    const body = jsonBody(request);
    if ('error' in body) return body.error;
    return answer(exports.create(body.value));
  });
  server.route('POST', '/bulk/v1/leads/export/:exportId/enqueue.json', (request) => answer(exports.enqueue(exportIdOf(request))));
  server.route('POST', '/bulk/v1/leads/export/:exportId/cancel.json', (request) => answer(exports.cancel(exportIdOf(request))));
  server.route('GET', '/bulk/v1/leads/export/:exportId/status.json', (request) => {
    const job = exports.job(exportIdOf(request));
    return job ? success([statusOf(job)]) : unknownExport();
  });
  server.route('GET', '/bulk/v1/leads/export/:exportId/file.json', (request) => {
    const file = exports.file(exportIdOf(request));
    if (file === undefined) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Export file not found' };
    return { status: 200, headers: { 'content-type': 'text/csv' }, body: file };
  });
}

function exportIdOf(request: SandboxRequest): string {
  return request.params.exportId ?? '';
}
