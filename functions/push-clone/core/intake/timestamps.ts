/**
 * One reader of the instants push clone meets: AEP's lastQualificationTime and
 * the start and end dates an admin types. AEP's own examples write
 * `2024-05-02T08:15:00.000+0000`, `2019-11-20T13:15:49Z` and `...+0000`
 * without milliseconds (docs/vendors/aep.md);
 * `Date.parse` does not promise to read a `+0000` offset, so we read them here.
 * A date without a time is midnight UTC; a time without an offset is UTC.
 */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Epoch ms, or undefined for anything that is not such an instant (never throws). */
export function parseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const match = INSTANT.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset = 'Z'] = match;
  const fields = [year, month, day].map(Number);
  const [y = NaN, mo = NaN, d = NaN] = fields;
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Date.UTC rolls 31 February over into March: refuse rather than guess.
  if (new Date(utc).getUTCDate() !== d) return undefined;
  const offsetMs = offsetToMs(offset);
  if (offsetMs === undefined) return undefined;
  const instant = utc - offsetMs;
  return Number.isFinite(instant) ? instant : undefined;
}

function offsetToMs(offset: string): number | undefined {
  if (offset === 'Z' || offset === 'z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return (offset.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

/** Epoch ms (or, below 1e11, epoch seconds) as some exporters send them. */
export function epochToMs(value: number): number | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
}

/**
 * The sane window of an ordering key: nothing before 2000 (AEP did not exist;
 * a zero or a year-1970 default is a missing value in disguise), nothing more
 * than a few minutes after the delivery arrived (clock skew, not the future).
 */
export const ORDERING_KEY_WINDOW = { earliestMs: Date.UTC(2000, 0, 1), futureSkewMs: 5 * 60_000 } as const;

/**
 * AEP's lastQualificationTime as a newest-wins ordering key, or undefined when
 * it is missing, unreadable, non-finite or outside ORDERING_KEY_WINDOW. Such a
 * record is refused: an invented key (the arrival time, a far future) would
 * either win over every later genuine statement or lose to every one.
 */
export function orderingKey(value: unknown, receivedAt: number): number | undefined {
  const instant = typeof value === 'number' ? epochToMs(value) : parseInstant(value);
  return instant !== undefined && isSaneOrderingKey(instant, receivedAt) ? instant : undefined;
}

/** Whether an already-read key lies in the window (ingest re-checks what older inbox items hold). */
export function isSaneOrderingKey(instant: number, receivedAt: number): boolean {
  return Number.isSafeInteger(instant) && instant >= ORDERING_KEY_WINDOW.earliestMs && instant <= receivedAt + ORDERING_KEY_WINDOW.futureSkewMs;
}
