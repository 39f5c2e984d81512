/**
 * An RFC 4180 reader for bulk import files: quoted fields may hold commas,
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
