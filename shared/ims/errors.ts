import { AppError, UpstreamError } from '#shared/errors.ts';

/**
 * IMS could not answer: network failure, timeout, 5xx, 429 or a response we
 * could not read. Retry later; an HTTP handler answers 502.
 */
export class ImsUnavailableError extends UpstreamError {
  readonly operation: string;
  readonly httpStatus: number | undefined;

  constructor(operation: string, detail: string, options: { cause?: unknown; httpStatus?: number } = {}) {
    super('ims_unavailable', `Adobe IMS could not complete ${operation}: ${detail}. Try again in a few minutes.`, { cause: options.cause });
    this.operation = operation;
    this.httpStatus = options.httpStatus;
  }
}

/**
 * IMS answered a 4xx: the request itself was refused (invalid_grant for a
 * used or expired code, invalid_client for a wrong secret, ...). `imsError`
 * is the OAuth error code; the message never carries tokens or secrets.
 */
export class ImsRejectedError extends UpstreamError {
  readonly operation: string;
  readonly httpStatus: number;
  readonly imsError: string;
  readonly imsErrorDescription: string | undefined;

  constructor(operation: string, httpStatus: number, imsError: string, imsErrorDescription?: string) {
    const hint = imsError === 'invalid_client' ? ' Check the IMS client ID and client secret.' : '';
    super('ims_rejected', `Adobe IMS refused ${operation} (HTTP ${httpStatus}, ${imsError}).${hint}`);
    this.operation = operation;
    this.httpStatus = httpStatus;
    this.imsError = imsError;
    this.imsErrorDescription = imsErrorDescription;
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
export class IdTokenInvalidError extends AppError {
  readonly reason: IdTokenFailure;

  constructor(reason: IdTokenFailure, options: { cause?: unknown } = {}) {
    super(401, 'ims_id_token_invalid', `The Adobe sign-in could not be verified: ${FAILURE_TEXT[reason]}.`, { cause: options.cause });
    this.reason = reason;
  }
}
