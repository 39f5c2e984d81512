/** When UMAPI sends a 429 without a usable Retry-After, wait a full minute (its limits are per minute). */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

/**
 * Retry-After as epoch ms: delay-seconds or an HTTP-date (RFC 9110 section
 * 10.2.3); UMAPI has been seen to send both, with waits of 30-60 minutes.
 */
export function retryAtFrom(header: string | null, now: number): number {
  const value = header?.trim() ?? '';
  if (/^\d+$/.test(value)) return now + Number(value) * 1000;
  const date = value.length > 0 ? Date.parse(value) : Number.NaN;
  if (Number.isFinite(date)) return Math.max(now, date);
  return now + DEFAULT_RETRY_AFTER_MS;
}
