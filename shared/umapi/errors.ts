import { VendorError } from '#shared/errors.ts';

/**
 * Errors of the User Management API client. They say what happened at UMAPI,
 * not what to answer over HTTP: `shared/http/vendor-errors.ts` gives each its
 * status, in one place. Built like every error class here:
 * `new XError(message, { ...facts })`; the static factories write the message
 * from the facts.
 */
export class UmapiError extends VendorError {}

/**
 * UMAPI said 429, or our own call budget has no room before the deadline.
 * Do not sleep: save the cursor (`page`) and resume at `retryAt`. UMAPI's
 * Retry-After can be many minutes (docs/vendors/umapi.md).
 */
export class UmapiThrottledError extends UmapiError {
  /** Epoch ms after which a call may be made again. */
  readonly retryAt: number;
  /** The page that was not fetched, when paging. */
  readonly page: number | undefined;
  /** True when our own budget stopped the call (no request was sent). */
  readonly selfImposed: boolean;

  constructor(message: string, options: { retryAt: number; page?: number | undefined; selfImposed?: boolean }) {
    super(message, { code: 'umapi_throttled' });
    this.retryAt = options.retryAt;
    this.page = options.page;
    this.selfImposed = options.selfImposed ?? false;
  }

  static until(operation: string, retryAt: number, options: { page?: number; selfImposed?: boolean; requestId?: string } = {}): UmapiThrottledError {
    const who = options.selfImposed ? 'our call budget for the User Management API is spent' : 'the User Management API is throttling us (429)';
    const request = options.requestId ? ` (X-Request-Id ${options.requestId})` : '';
    return new UmapiThrottledError(`${operation}: ${who}; resume after ${new Date(retryAt).toISOString()}${request}.`, {
      retryAt,
      page: options.page,
      selfImposed: options.selfImposed,
    });
  }
}

/** UMAPI could not be reached or kept failing with 502/503/504 or timeouts: retry later. */
export class UmapiUnavailableError extends UmapiError {
  readonly httpStatus: number | undefined;
  readonly page: number | undefined;

  constructor(message: string, options: { httpStatus?: number | undefined; page?: number | undefined; cause?: unknown }) {
    super(message, { code: 'umapi_unavailable', cause: options.cause });
    this.httpStatus = options.httpStatus;
    this.page = options.page;
  }

  static during(operation: string, detail: string, options: { cause?: unknown; httpStatus?: number; page?: number; requestId?: string } = {}): UmapiUnavailableError {
    const request = options.requestId ? ` (X-Request-Id ${options.requestId})` : '';
    return new UmapiUnavailableError(`${operation}: the User Management API is unavailable (${detail})${request}. Try again later.`, {
      cause: options.cause,
      httpStatus: options.httpStatus,
      page: options.page,
    });
  }
}

const ADVICE: Record<number, string> = {
  400: 'check the organization ID',
  401: 'the server-to-server token is invalid or expired; get a new one',
  403: 'check the API key (client ID) and that the credential has the User Management API for this org',
  404: 'the group or user does not exist in this org',
};

/** UMAPI refused the request (400/401/403/404): a configuration problem to fix, not to retry. */
export class UmapiRejectedError extends UmapiError {
  readonly httpStatus: number;
  /** UMAPI's `result` code, e.g. `error.group.not_found`, when it sent one. */
  readonly result: string | undefined;

  constructor(message: string, options: { httpStatus: number; result?: string | undefined }) {
    super(message, { code: 'umapi_rejected' });
    this.httpStatus = options.httpStatus;
    this.result = options.result;
  }

  static answered(operation: string, httpStatus: number, result: string | undefined, requestId?: string): UmapiRejectedError {
    const advice = ADVICE[httpStatus] ?? 'unexpected answer';
    const request = requestId ? ` (X-Request-Id ${requestId})` : '';
    return new UmapiRejectedError(`${operation}: the User Management API answered HTTP ${httpStatus}${result ? ` ${result}` : ''}; ${advice}${request}.`, {
      httpStatus,
      result,
    });
  }
}
