/**
 * Marketo's daily API quota resets at midnight US Central
 * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api,
 * "resets daily at 12:00 AM CST"). US Central moves between UTC-6 and UTC-5, so
 * the reset instant is computed with the IANA zone rather than a fixed offset.
 */
const CENTRAL = 'America/Chicago';

const partsFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: CENTRAL,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

interface CentralParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function centralParts(epochMs: number): CentralParts {
  const parts: Record<string, number> = {};
  for (const part of partsFormat.formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** Central local time minus UTC at this instant, in ms (-6 h in winter, -5 h in summer). */
function centralOffsetMs(epochMs: number): number {
  const p = centralParts(epochMs);
  const asIfUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asIfUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The calendar day in US Central, e.g. '2026-03-08': the unit of Marketo's daily quota. */
export function centralDay(epochMs: number): string {
  const p = centralParts(epochMs);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The first instant of the next US Central day: when a 607 "daily quota reached" lifts. */
export function nextCentralMidnight(epochMs: number): number {
  const today = centralParts(epochMs);
  // Date.UTC normalises day overflow (Jan 31 + 1 = Feb 1).
  const midnightAsIfUtc = Date.UTC(today.year, today.month - 1, today.day + 1);
  // Look the offset up near the answer, then at the answer itself: Central
  // changes offset at 2 AM, never around midnight, so two steps are exact.
  let instant = midnightAsIfUtc - centralOffsetMs(midnightAsIfUtc);
  instant = midnightAsIfUtc - centralOffsetMs(instant);
  return instant;
}
