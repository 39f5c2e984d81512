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

/** We must shed load; the caller should retry (AEP retries 429 and 5xx). */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, options: AppErrorOptions) {
    super(message, { ...options, status: 503, expose: true });
  }
}
