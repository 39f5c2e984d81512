import { describe, expect, it } from 'vitest';
import { BadRequestError } from '#shared/errors.ts';
import { httpErrorFor } from '#shared/http/index.ts';
import { IdTokenInvalidError, ImsRejectedError, ImsUnavailableError } from '#shared/ims/index.ts';
import { MarketoAuthError, MarketoConfigError, MarketoDailyQuotaError, MarketoUnavailableError } from '#shared/marketo/index.ts';
import { UmapiRejectedError, UmapiThrottledError, UmapiUnavailableError } from '#shared/umapi/index.ts';

describe('vendor errors become HTTP answers in one place', () => {
  it.each([
    ['an unverifiable ID token', IdTokenInvalidError.because('nonce'), 401, 'ims_id_token_invalid'],
    ['IMS out of reach', ImsUnavailableError.during('the code exchange', 'HTTP 503', { httpStatus: 503 }), 502, 'ims_unavailable'],
    ['IMS refusing a request', ImsRejectedError.answered('the code exchange', 400, 'invalid_grant'), 502, 'ims_rejected'],
    ['UMAPI throttling', UmapiThrottledError.until('Listing groups', 1_000), 503, 'umapi_throttled'],
    ['UMAPI out of reach', UmapiUnavailableError.during('Listing groups', 'HTTP 504'), 502, 'umapi_unavailable'],
    ['UMAPI refusing a request', UmapiRejectedError.answered('Listing groups', 403, undefined), 502, 'umapi_rejected'],
    ['Marketo refusing our credentials', MarketoAuthError.forInstance('123-ABC-456'), 502, 'marketo_credentials_refused'],
    ['a Marketo setup problem', new MarketoConfigError('access to list 1001 was denied', { code: '603' }), 502, 'marketo_refused'],
    ['Marketo out of reach', new MarketoUnavailableError('Marketo kept failing', { code: '608' }), 502, 'marketo_unavailable'],
    ['a spent Marketo quota', MarketoDailyQuotaError.until('123-ABC-456', new Date('2026-01-16T06:00:00Z')), 502, 'marketo_unavailable'],
  ])('answers %s with %i %s, keeping the vendor error as the cause', (_label, vendorError, status, code) => {
    const answer = httpErrorFor(vendorError);
    expect(answer).toMatchObject({ status, code, message: vendorError.message });
    expect(answer?.cause).toBe(vendorError);
  });

  it('adds what the failure means for the request after the vendor message', () => {
    const answer = httpErrorFor(new MarketoUnavailableError('Marketo kept failing getList', { code: 'network' }), 'The destination was not saved.');
    expect(answer?.message).toBe('Marketo kept failing getList. The destination was not saved.');
  });

  it('leaves our own HTTP errors as they are and does not claim other errors', () => {
    const ours = new BadRequestError('The thing is bad.', { code: 'bad_thing' });
    expect(httpErrorFor(ours)).toBe(ours);
    expect(httpErrorFor(new Error('boom'))).toBeUndefined();
    expect(httpErrorFor('not even an error')).toBeUndefined();
  });
});
