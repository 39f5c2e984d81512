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

/** We must shed load; the caller should retry (AEP retries 429 and 5xx). */
export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(503, code, message, { ...options, expose: true });
  }
}
