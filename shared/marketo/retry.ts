/**
 * Retry timing for Marketo calls. Marketo sends no Retry-After header
 * (throttling is a 606/615 code inside an HTTP 200), so waits are ours to pick:
 * exponential backoff with full jitter for transient failures, as Marketo's
 * best-practices page asks (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/marketo-integration-best-practices).
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000, random: Math.random };

/** Delay before retry number `retry` (0 for the first): uniform in [0, min(cap, base * 2^retry)). */
export function fullJitterDelay(retry: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** retry);
  return Math.floor(options.random() * ceiling);
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Exchange {
  status: number;
  text: string;
}

/**
 * One HTTP exchange with a deadline covering the body too (a server can stall
 * after the headers). Throws on network failure or timeout.
 */
export async function exchange(fetchImpl: typeof fetch, url: string, init: RequestInit, timeoutMs: number): Promise<Exchange> {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetchImpl(url, { ...init, signal });
  const text = await response.text();
  return { status: response.status, text };
}

/** JSON.parse that answers undefined instead of throwing (a proxy's HTML error page, a cut-off body). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
