import { AppError, ServiceUnavailableError, UnauthorizedError, UpstreamError, VendorError } from '#shared/errors.ts';
import { IdTokenInvalidError } from '#shared/ims/errors.ts';
import { MarketoAuthError, MarketoConfigError, MarketoError } from '#shared/marketo/errors.ts';
import { UmapiThrottledError } from '#shared/umapi/errors.ts';

/**
 * The one place a vendor's failure becomes an HTTP answer. Vendor clients throw
 * what happened at the vendor (`ImsError`, `UmapiError`, `MarketoError`); when
 * one reaches a handler, this gives it its status and code:
 *
 * | vendor error | status | code |
 * |---|---|---|
 * | `IdTokenInvalidError` | 401 | `ims_id_token_invalid` |
 * | other `ImsError` (unavailable, rejected) | 502 | its code (`ims_unavailable`, `ims_rejected`) |
 * | `UmapiThrottledError` | 503 | `umapi_throttled` |
 * | other `UmapiError` (unavailable, rejected) | 502 | its code (`umapi_unavailable`, `umapi_rejected`) |
 * | `MarketoAuthError` | 502 | `marketo_credentials_refused` |
 * | `MarketoConfigError` | 502 | `marketo_refused` |
 * | other `MarketoError` | 502 | `marketo_unavailable` |
 * | any other `VendorError` | 502 | its code |
 *
 * `outcome` adds what this means for the request ("The destination was not
 * saved."). Anything else is not a vendor error: `undefined`.
 */
export function httpErrorFor(error: unknown, outcome?: string): AppError | undefined {
  if (error instanceof AppError) return error;
  if (!(error instanceof VendorError)) return undefined;
  const message = outcome ? `${error.message}. ${outcome}` : error.message;
  const options = { cause: error };
  if (error instanceof IdTokenInvalidError) return new UnauthorizedError(message, { ...options, code: error.code });
  if (error instanceof UmapiThrottledError) return new ServiceUnavailableError(message, { ...options, code: error.code });
  if (error instanceof MarketoAuthError) return new UpstreamError(message, { ...options, code: 'marketo_credentials_refused' });
  if (error instanceof MarketoConfigError) return new UpstreamError(message, { ...options, code: 'marketo_refused' });
  if (error instanceof MarketoError) return new UpstreamError(message, { ...options, code: 'marketo_unavailable' });
  return new UpstreamError(message, { ...options, code: error.code });
}
