/**
 * The one error family that crosses the HTTP boundary. Each class says what the
 * caller should do; `expose` says whether the message may be shown to the caller
 * (it never carries a secret or a stack). Anything that is not an AppError is
 * answered as a generic 500 by the HTTP stack.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly expose: boolean;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: unknown; cause?: unknown; expose?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.expose = options.expose ?? status < 500;
  }
}

/** The request itself is wrong: fix the input. */
export class BadRequestError extends AppError {
  constructor(code: string, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(400, code, message, options);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required.', code = 'unauthorized') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(code: string, message: string, options: { details?: unknown } = {}) {
    super(403, code, message, options);
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

/** The request conflicts with stored state (read-only record, lost race). */
export class ConflictError extends AppError {
  constructor(code: string, message: string, options: { details?: unknown } = {}) {
    super(409, code, message, options);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes.`);
  }
}

/** A vendor we depend on failed or could not be reached: retry later. */
export class UpstreamError extends AppError {
  constructor(code: string, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(502, code, message, { ...options, expose: true });
  }
}

/** Seconds a caller is asked to wait (`Retry-After`) when we answer 503 without a better estimate. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** We must shed load; the caller should retry (AEP retries 429 and 5xx). Answered with `Retry-After`. */
export class ServiceUnavailableError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(code: string, message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(503, code, message, { cause: options.cause, expose: true });
    this.retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
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
