/**
 * The one error family that crosses the HTTP boundary. Each class says what the
 * caller should do; `expose` says whether the message may be shown to the caller
 * (it never carries a secret or a stack). Anything that is not an AppError is
 * answered as a generic 500 by the HTTP stack, after vendor errors have been
 * given their status in one place (`shared/http/vendor-errors.ts`).
 *
 * Every error class in orgbridge is built the same way:
 * `new SomeError(message, { code, details, cause, ...facts })`: the message
 * first, written for a person, then one options object.
 */
export interface AppErrorOptions {
  /** The stable machine-readable code of the `{error:{code}}` envelope. One code, one status, everywhere. */
  code: string;
  details?: unknown;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly expose: boolean;

  constructor(message: string, options: AppErrorOptions & { status: number; expose?: boolean }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.code = options.code;
    this.details = options.details;
    this.expose = options.expose ?? options.status < 500;
  }
}

/** The request itself is wrong: fix the input. */
export class BadRequestError extends AppError {
  constructor(message: string, options: AppErrorOptions) {
    super(message, { ...options, status: 400 });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required.', options: Partial<AppErrorOptions> = {}) {
    super(message, { ...options, code: options.code ?? 'unauthorized', status: 401 });
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, options: AppErrorOptions) {
    super(message, { ...options, status: 403 });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options: AppErrorOptions) {
    super(message, { ...options, status: 404 });
  }
}

/** The request conflicts with stored state (read-only record, lost race). */
export class ConflictError extends AppError {
  constructor(message: string, options: AppErrorOptions) {
    super(message, { ...options, status: 409 });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, options: Partial<AppErrorOptions> = {}) {
    super(message, { ...options, code: options.code ?? 'payload_too_large', status: 413 });
  }
}

/** A vendor we depend on failed or could not be reached: retry later. */
export class UpstreamError extends AppError {
  constructor(message: string, options: AppErrorOptions) {
    super(message, { ...options, status: 502, expose: true });
  }
}

/**
 * Base of the errors a vendor client throws (IMS, UMAPI, Marketo): what
 * happened at the vendor, with our stable `code` for it. Not an HTTP error:
 * `shared/http/vendor-errors.ts` gives each its status where one reaches a handler.
 */
export class VendorError extends Error {
  readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
  }
}

/** Seconds a caller is asked to wait (`Retry-After`) when we answer 503 without a better estimate. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** We must shed load; the caller should retry (AEP retries 429 and 5xx). Answered with `Retry-After`. */
export class ServiceUnavailableError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(message: string, options: AppErrorOptions & { retryAfterSeconds?: number }) {
    const { retryAfterSeconds, ...rest } = options;
    super(message, { ...rest, status: 503, expose: true });
    this.retryAfterSeconds = retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  }
}

/** Node's socket errors that mean "the service could not be reached", not "the request was wrong". */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/** AWS's load-shedding errors by name (SDK v3 error classes carry the service's error code as `name`). */
const THROTTLING_NAMES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);

/** Whether an AWS service refused a request because of load: shed it (answer 503) or retry later. */
export function isThrottlingError(error: unknown): boolean {
  return error instanceof Error && THROTTLING_NAMES.has(error.name);
}

/**
 * Whether an AWS dependency (DynamoDB, Secrets Manager) failed for a reason
 * of its own (unreachable, timing out, throttling, a server fault) rather than
 * because of what we asked: such a request should be retried later, so the
 * HTTP stack answers 503 with Retry-After instead of 500.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const fault = current as Error & { code?: unknown; $fault?: unknown };
    if (isThrottlingError(fault) || fault.name === 'TimeoutError') return true;
    if (typeof fault.code === 'string' && UNREACHABLE_CODES.has(fault.code)) return true;
    if (fault.$fault === 'server') return true;
  }
  return false;
}
