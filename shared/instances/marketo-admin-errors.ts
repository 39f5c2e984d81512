import { UpstreamError } from '#shared/errors.ts';
import { MarketoAuthError, MarketoConfigError, MarketoError } from '#shared/marketo/index.ts';

/**
 * Marketo's answer to an interactive admin request (setup, pickers), as the
 * admin can act on it: 502 with what Marketo said and what to do. Errors that
 * are not Marketo's pass through unchanged.
 */
export function marketoErrorForAdmin(error: unknown, munchkinId: string, asking: string): unknown {
  if (error instanceof MarketoAuthError) return new UpstreamError('marketo_credentials_refused', error.message, { cause: error });
  if (error instanceof MarketoConfigError) return new UpstreamError('marketo_refused', `${error.message} (Marketo code ${error.code}).`, { cause: error });
  if (error instanceof MarketoError) {
    return new UpstreamError('marketo_unavailable', `Marketo instance ${munchkinId} could not be asked for ${asking} (${error.code}): try again later.`, { cause: error });
  }
  return error;
}
