import type { z } from 'zod';
import { ImsRejectedError, ImsUnavailableError } from './errors';
import { oauthErrorSchema } from './schemas';

export type FetchLike = typeof fetch;

export interface ImsHttpOptions {
  baseUrl: string;
  fetch: FetchLike;
  timeoutMs: number;
}

export interface ImsCall<T> {
  /** Names the operation in error messages ("the token exchange"). */
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  form?: URLSearchParams;
  schema: z.ZodType<T>;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  return text.length > 0 ? JSON.parse(text) : undefined;
}

/**
 * One IMS call: transport failures, timeouts, 429 and 5xx become
 * ImsUnavailableError (retry later), other 4xx ImsRejectedError with the
 * OAuth `error` code, and a 2xx is parsed with the call's schema.
 */
export async function callIms<T>(http: ImsHttpOptions, call: ImsCall<T>): Promise<T> {
  let response: Response;
  try {
    response = await http.fetch(`${http.baseUrl}${call.path}`, {
      method: call.method,
      headers: { accept: 'application/json', ...(call.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...call.headers },
      body: call.form?.toString(),
      signal: AbortSignal.timeout(http.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    throw ImsUnavailableError.during(call.operation, timedOut ? `no answer within ${http.timeoutMs} ms` : 'the network request failed', { cause: error });
  }
  const { status } = response;
  let body: unknown;
  let unreadable: unknown;
  try {
    body = await readJson(response);
  } catch (error) {
    unreadable = error;
  }
  if (status === 429 || status >= 500) throw ImsUnavailableError.during(call.operation, `HTTP ${status}`, { httpStatus: status });
  // A 4xx is a refusal whatever its body (a proxy's HTML page included): retrying would not change it.
  if (status >= 400) {
    const parsed = oauthErrorSchema.safeParse(body);
    throw ImsRejectedError.answered(call.operation, status, parsed.success ? parsed.data.error : `http_${status}`, parsed.success ? parsed.data.error_description : undefined);
  }
  if (unreadable !== undefined) throw ImsUnavailableError.during(call.operation, `HTTP ${status} with a body that is not JSON`, { cause: unreadable, httpStatus: status });
  const parsed = call.schema.safeParse(body);
  if (!parsed.success) {
    throw ImsUnavailableError.during(call.operation, 'the response did not have the documented shape', { cause: parsed.error, httpStatus: status });
  }
  return parsed.data;
}

export function bearer(accessToken: string): Record<string, string> {
  return { authorization: `Bearer ${accessToken}` };
}
