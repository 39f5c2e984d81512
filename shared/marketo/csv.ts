/**
 * CSV for Marketo's bulk lead import: a header row of REST field names, then
 * one row per lead (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-lead-import).
 * Fields are quoted per RFC 4180 whenever they hold a delimiter, a quote, a
 * line break or edge spaces, so a company like `Acme, Inc.` stays one field.
 */
export type CsvValue = string | number | boolean | null | undefined;

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV document: `columns` as the header, then each row's values in that order (missing ones empty). */
export function toCsv(columns: readonly string[], rows: Iterable<Readonly<Record<string, CsvValue>>>): string {
  if (columns.length === 0) throw new RangeError('a CSV import needs at least one column');
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) {
    const line = columns.map((column) => csvField(row[column])).join(',');
    // A lone empty field would be a blank line, which readers skip: quote it.
    lines.push(line === '' ? '""' : line);
  }
  return `${lines.join('\r\n')}\r\n`;
}
