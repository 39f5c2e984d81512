import { VendorError } from '#shared/errors.ts';

/**
 * Errors of the IMS client. They say what happened at IMS, not what to answer
 * over HTTP: `shared/http/vendor-errors.ts` gives each its status, in one place.
 * Built like every error class here: `new XError(message, { ...facts })`; the
 * static factories write the message from the facts.
 */
export class ImsError extends VendorError {}

/**
 * IMS could not answer: network failure, timeout, 5xx, 429 or a response we
 * could not read. Retry later.
 */
export class ImsUnavailableError extends ImsError {
  readonly operation: string;
  readonly httpStatus: number | undefined;

  constructor(message: string, options: { operation: string; httpStatus?: number; cause?: unknown }) {
    super(message, { code: 'ims_unavailable', cause: options.cause });
    this.operation = options.operation;
    this.httpStatus = options.httpStatus;
  }

  static during(operation: string, detail: string, options: { httpStatus?: number; cause?: unknown } = {}): ImsUnavailableError {
    return new ImsUnavailableError(`Adobe IMS could not complete ${operation}: ${detail}. Try again in a few minutes.`, { operation, ...options });
  }
}

/**
 * IMS answered a 4xx: the request itself was refused (invalid_grant for a
 * used or expired code, invalid_client for a wrong secret, ...). `imsError`
 * is the OAuth error code; the message never carries tokens or secrets.
 */
export class ImsRejectedError extends ImsError {
  readonly operation: string;
  readonly httpStatus: number;
  readonly imsError: string;
  readonly imsErrorDescription: string | undefined;

  constructor(message: string, options: { operation: string; httpStatus: number; imsError: string; imsErrorDescription?: string | undefined }) {
    super(message, { code: 'ims_rejected' });
    this.operation = options.operation;
    this.httpStatus = options.httpStatus;
    this.imsError = options.imsError;
    this.imsErrorDescription = options.imsErrorDescription;
  }

  static answered(operation: string, httpStatus: number, imsError: string, imsErrorDescription?: string): ImsRejectedError {
    const hint = imsError === 'invalid_client' ? ' Check the IMS client ID and client secret.' : '';
    return new ImsRejectedError(`Adobe IMS refused ${operation} (HTTP ${httpStatus}, ${imsError}).${hint}`, { operation, httpStatus, imsError, imsErrorDescription });
  }
}

export type IdTokenFailure = 'signature' | 'iss' | 'aud' | 'exp' | 'nonce' | 'malformed' | 'claims';

const FAILURE_TEXT: Record<IdTokenFailure, string> = {
  signature: 'its signature does not match any key Adobe IMS publishes',
  iss: 'it was issued by an unexpected issuer',
  aud: 'it was issued for another client',
  exp: 'it has expired',
  nonce: 'its nonce does not match this sign-in',
  malformed: 'it is not a well-formed RS256 JWT',
  claims: 'a required claim is missing or invalid',
};

/** The ID token from IMS cannot be trusted; `reason` says which check failed. Never retry with the same token. */
export class IdTokenInvalidError extends ImsError {
  readonly reason: IdTokenFailure;

  constructor(message: string, options: { reason: IdTokenFailure; cause?: unknown }) {
    super(message, { code: 'ims_id_token_invalid', cause: options.cause });
    this.reason = options.reason;
  }

  static because(reason: IdTokenFailure, options: { cause?: unknown } = {}): IdTokenInvalidError {
    return new IdTokenInvalidError(`The Adobe sign-in could not be verified: ${FAILURE_TEXT[reason]}.`, { reason, ...options });
  }
}
