import { VendorError } from '#shared/errors.ts';

/**
 * What to do about each Marketo error code, in one table (`RULES`): the class
 * of a response-level failure, and for record-level codes what they mean for
 * that one person. docs/vendors/marketo.md has the same table in prose.
 *
 * Source: https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes
 * (AdobeDocs/marketo-developer.en, help/rest-api/error-codes.md). Response-level
 * codes arrive in `errors[]` of an HTTP 200 envelope; record-level codes (1xxx)
 * arrive in `result[].reasons[]` of a successful call.
 */
export type MarketoErrorKind =
  /** Get a new access token and retry once. */
  | 'reauthenticate'
  /** The instance's rate (606) or concurrency (615) limit: wait for the next window, retry. */
  | 'throttle'
  /** 607: stop calling this instance until midnight US Central. */
  | 'daily-quota'
  /** Retry with exponential backoff and jitter, a capped number of times. */
  | 'transient'
  /** Our setup is wrong (permission, missing list, bad request shape): stop and tell the admin. */
  | 'configuration'
  /** One record was refused: skip it and report it; the call itself worked. */
  | 'record';

/**
 * What a refusal is about, so the admin knows where the fix lies: `setup`
 * (the destination's mapping or partition, the API user's role: fixing it
 * helps every person it refused) or `data` (this person's own values or
 * state in Marketo).
 */
export type MarketoRefusalSubject = 'setup' | 'data';

/** What a record-level code means for the one person whose record it refused. */
export interface MarketoRecordRule {
  /** How the person's outcome is counted: `skipped` (nothing wrong with our setup or data), `failed` (their data was refused). */
  outcome: 'skipped' | 'failed';
  about: MarketoRefusalSubject;
  /** The lead ID names no person any more (deleted or merged): forget it and look the person up again. */
  leadGone?: true;
  /** On a removal from a list, the person is already out of it: the removal did what it had to. */
  absentFromList?: true;
}

interface CodeRule {
  kind: MarketoErrorKind;
  record?: MarketoRecordRule;
}

const RULES: Readonly<Record<string, CodeRule>> = {
  '601': { kind: 'reauthenticate' }, // Access token invalid
  '602': { kind: 'reauthenticate' }, // Access token expired
  '606': { kind: 'throttle' }, // Max rate limit exceeded (100 calls / 20 s per instance)
  '615': { kind: 'throttle' }, // Concurrent access limit reached (10 in flight)
  '607': { kind: 'daily-quota' }, // Daily quota reached, resets at 12:00 AM Central
  '604': { kind: 'transient' }, // Request time-out (e.g. database contention)
  '608': { kind: 'transient' }, // API temporarily unavailable
  '611': { kind: 'transient' }, // System error: "all unhandled exceptions"
  '614': { kind: 'transient' }, // Invalid subscription: "usually temporary inaccessibility"
  '713': { kind: 'transient' }, // Transient error: "wait and retry"
  '1016': { kind: 'transient' }, // Too many imports queued (max 10, two processing)
  '1019': { kind: 'transient' }, // Import in progress into the same list
  '1029': { kind: 'transient' }, // Bulk extract: too many jobs in queue (10), export daily quota exceeded (500 MB), or job already queued
  '603': { kind: 'configuration' }, // Access denied: the API user's role lacks a permission, or IP allowlist
  '605': { kind: 'configuration' }, // HTTP method not supported
  '609': { kind: 'configuration' }, // Invalid JSON
  '610': { kind: 'configuration' }, // Requested resource not found (wrong URL)
  '612': { kind: 'configuration' }, // Invalid content type
  '613': { kind: 'configuration' }, // Invalid multipart request
  '1013': { kind: 'configuration' }, // Object (e.g. static list) not found
  '1035': { kind: 'configuration' }, // Bulk lead extract: filter type not available in this subscription (updatedAt, smart lists)
  '1001': { kind: 'record', record: { outcome: 'failed', about: 'data' } }, // Invalid value for a field's type
  '1002': { kind: 'record', record: { outcome: 'failed', about: 'data' } }, // Missing value for a required parameter
  '1003': { kind: 'record', record: { outcome: 'failed', about: 'data' } }, // Invalid data (also, response-level, "too many results match the filter")
  '1004': { kind: 'record', record: { outcome: 'skipped', about: 'data', leadGone: true, absentFromList: true } }, // Lead not found
  '1005': { kind: 'record', record: { outcome: 'failed', about: 'data' } }, // Lead already exists
  '1006': { kind: 'record', record: { outcome: 'failed', about: 'setup' } }, // Field not found (the field mapping names it)
  '1007': { kind: 'record', record: { outcome: 'skipped', about: 'data' } }, // Multiple leads match the lookup criteria
  '1008': { kind: 'record', record: { outcome: 'failed', about: 'setup' } }, // Access denied to partition (the API user's role)
  '1009': { kind: 'record', record: { outcome: 'failed', about: 'setup' } }, // Partition name must be specified
  '1010': { kind: 'record', record: { outcome: 'failed', about: 'setup' } }, // Partition update not allowed: the person lives in another partition than the destination's
  '1015': { kind: 'record', record: { outcome: 'skipped', about: 'data', absentFromList: true } }, // Lead not in list (harmless on remove)
};

/** A record refused with a code we do not know (or none): count it as failed, so someone looks. */
export const DEFAULT_RECORD_RULE: MarketoRecordRule = { outcome: 'failed', about: 'data' };

/**
 * Unknown codes are treated as configuration errors: Marketo refused the request
 * for a reason we do not understand, so retrying would spend quota for nothing
 * and a person has to look. (HTTP 5xx and network failures are transient; they
 * are not codes and never reach this table.)
 */
export const DEFAULT_KIND: MarketoErrorKind = 'configuration';

export function classifyMarketoCode(code: string): MarketoErrorKind {
  return RULES[code]?.kind ?? DEFAULT_KIND;
}

/** What a record-level code (in `result[].reasons[]`) means for that one person. */
export function marketoRecordRule(code: string): MarketoRecordRule {
  return RULES[code]?.record ?? DEFAULT_RECORD_RULE;
}

/**
 * What a refusal with this code is about: a record-level code says so in its
 * rule; a response-level `configuration` code (permission, missing list,
 * request shape) is about our setup; anything else is about the data sent.
 */
export function marketoRefusalSubject(code: string): MarketoRefusalSubject {
  const rule = RULES[code];
  if (rule?.record) return rule.record.about;
  return rule?.kind === 'configuration' ? 'setup' : 'data';
}

/**
 * Base of every error the Marketo client throws. Messages never carry a secret,
 * a token or an email. Not an HTTP error: `shared/http/vendor-errors.ts` gives
 * each class its status where one reaches a handler. Built like every error
 * class here: `new XError(message, { ...facts })`.
 */
export class MarketoError extends VendorError {
  /** `code` is Marketo's (`'1013'`), an HTTP status as text (`'401'`, `'503'`), or ours (`'network'`, `'too-many-records'`). */
  readonly kind: MarketoErrorKind;

  constructor(message: string, options: { code: string; kind: MarketoErrorKind; cause?: unknown }) {
    super(message, options);
    this.kind = options.kind;
  }
}

/** Stop and tell the admin: retrying cannot help until someone fixes the setup. */
export class MarketoConfigError extends MarketoError {
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, { ...options, kind: 'configuration' });
  }
}

/** The instance's daily quota is spent; nothing will succeed before `resumeAt`. */
export class MarketoDailyQuotaError extends MarketoError {
  readonly resumeAt: Date;
  constructor(message: string, options: { resumeAt: Date; cause?: unknown }) {
    super(message, { code: '607', kind: 'daily-quota', cause: options.cause });
    this.resumeAt = options.resumeAt;
  }

  static until(munchkinId: string, resumeAt: Date, options: { cause?: unknown } = {}): MarketoDailyQuotaError {
    return new MarketoDailyQuotaError(
      `the daily API quota of Marketo instance ${munchkinId} is used up: calls resume at ${resumeAt.toISOString()} (midnight US Central)`,
      { resumeAt, ...options },
    );
  }
}

/** Marketo could not be reached or kept failing after every retry: try again later. */
export class MarketoUnavailableError extends MarketoError {
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, { ...options, kind: 'transient' });
  }
}

/** The identity service refused the client ID and secret (HTTP 401). */
export class MarketoAuthError extends MarketoError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: '401', kind: 'reauthenticate', cause: options.cause });
  }

  static forInstance(munchkinId: string, options: { cause?: unknown } = {}): MarketoAuthError {
    return new MarketoAuthError(
      `Marketo instance ${munchkinId} refused the API client credentials: check the client ID and secret of the custom service (Admin > LaunchPoint)`,
      options,
    );
  }
}

/** Marketo refused the request as a whole because of what we sent (too many records, too many matches): fix the input. */
export class MarketoRequestError extends MarketoError {
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, { ...options, kind: 'record' });
  }
}

/**
 * A message that says what to do, for a configuration code met while doing
 * `operation` on `target` (e.g. 'list 1001').
 */
export function configurationMessage(code: string, munchkinId: string, operation: string, target: string | undefined): string {
  const subject = target ?? operation;
  switch (code) {
    case '1013':
      return `${subject} was not found in instance ${munchkinId}: check the mapping ID`;
    case 'file-not-found':
      return `${subject} has no file in instance ${munchkinId}: the job is not completed, unknown, or its file is past Marketo's seven days`;
    case '603':
      return `access to ${subject} was denied in instance ${munchkinId}: give the API-only user's role the permission ${operation} needs, or allow our address in the IP allowlist`;
    default:
      return `Marketo instance ${munchkinId} refused ${operation}${target ? ` on ${target}` : ''} with code ${code}: this needs a change in setup`;
  }
}
