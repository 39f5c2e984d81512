import type { SandboxRequest, SandboxResponse } from '#local/sandboxes/framework.ts';

/**
 * Marketo answers almost everything with HTTP 200 and this envelope; codes are
 * quoted integers (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes).
 */
export interface Reason {
  code: string;
  message: string;
}

let requestCounter = 0;

/** Marketo's request IDs look like `e42b#14272d07d78`. */
function requestId(): string {
  requestCounter = (requestCounter + 1) % 0xfffff;
  return `${requestCounter.toString(16)}#${Date.now().toString(16)}`;
}

export function success(result: unknown[], paging: { nextPageToken?: string; moreResult?: boolean } = {}): SandboxResponse {
  return { status: 200, body: { requestId: requestId(), result, success: true, ...paging } };
}

export function failure(code: string, message: string): SandboxResponse {
  return { status: 200, body: { requestId: requestId(), success: false, errors: [{ code, message }] } };
}

export function reason(code: string, message: string): Reason {
  return { code, message };
}

export const tooManyRecords = (count: number) => failure('1003', `Invalid data: ${count} records given, at most 300 allowed`);
export const blank = (name: string) => failure('701', `${name} cannot be blank`);
export const objectNotFound = (what: string) => failure('1013', `${what} not found`);

/** Body parsing that answers the way Marketo does: 612 for a wrong content type, 609 for broken JSON. */
export function jsonBody(request: SandboxRequest): { value: unknown } | { error: SandboxResponse } {
  if (!(request.headers['content-type'] ?? '').includes('application/json')) return { error: failure('612', 'Invalid Content Type') };
  try {
    return { value: JSON.parse(request.text()) };
  } catch {
    return { error: failure('609', 'Invalid JSON') };
  }
}

/** A positive whole number, or undefined. */
export function wholeNumber(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** Position-based paging tokens: opaque to the client, an offset into one query's results to us. */
export function pageToken(offset: number, scope: string): string {
  return Buffer.from(`${scope}|${offset}`).toString('base64url');
}

export function readPageToken(token: string, scope: string): number | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const prefix = `${scope}|`;
  return text.startsWith(prefix) ? wholeNumber(text.slice(prefix.length)) : undefined;
}
