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

/**
 * An RFC 4180 reader for bulk import files (and their failures and warnings
 * files): quoted fields may hold commas,
 * doubled quotes and line breaks; CRLF and LF both end a record. A stray quote
 * inside an unquoted field, or an unterminated quoted field, is an error, as a
 * careless writer deserves.
 */
export class CsvSyntaxError extends Error {}

export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let recordQuoted = false;
  const endField = () => {
    record.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRecord = () => {
    endField();
    // A blank line is no record (but `""` is a record of one empty field).
    if (recordQuoted || !(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
    recordQuoted = false;
  };
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else {
        quoted = false;
        const next = text[i + 1];
        if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') throw new CsvSyntaxError(`text after a closing quote at character ${i + 1}`);
      }
      continue;
    }
    if (char === '"') {
      if (fieldStarted) throw new CsvSyntaxError(`a quote inside an unquoted field at character ${i}`);
      quoted = true;
      fieldStarted = true;
      recordQuoted = true;
    } else if (char === ',') endField();
    else if (char === '\n') endRecord();
    else if (char === '\r') {
      if (text[i + 1] !== '\n') throw new CsvSyntaxError(`a bare carriage return at character ${i}`);
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvSyntaxError('an unterminated quoted field');
  if (fieldStarted || record.length > 0) endRecord();
  return records;
}
