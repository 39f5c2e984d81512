import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv } from '#shared/marketo/csv.ts';
import { csvField, toCsv } from '#shared/marketo/csv.ts';

describe('the CSV writer for bulk imports', () => {
  it('quotes a company holding a comma so it stays one field', () => {
    expect(toCsv(['email', 'company'], [{ email: 'a@example.com', company: 'Acme, Inc.' }])).toBe('email,company\r\na@example.com,"Acme, Inc."\r\n');
  });

  it.each([
    ['a quote', 'The "Best" Co', '"The ""Best"" Co"'],
    ['a line break', 'line one\nline two', '"line one\nline two"'],
    ['a carriage return', 'a\rb', '"a\rb"'],
    ['a leading space', ' padded', '" padded"'],
    ['a trailing space', 'padded ', '"padded "'],
    ['nothing special', 'Globex', 'Globex'],
    ['unicode', 'Zürich Ünïcode 東京', 'Zürich Ünïcode 東京'],
  ])('writes a value with %s', (_, value, written) => {
    expect(csvField(value)).toBe(written);
  });

  it('writes null, undefined and missing values as empty fields, numbers and booleans as text', () => {
    expect(toCsv(['a', 'b', 'c', 'd'], [{ a: null, b: 42, d: false }])).toBe('a,b,c,d\r\n,42,,false\r\n');
  });

  it('keeps a row whose only field is empty from becoming a blank line', () => {
    const csv = toCsv(['email'], [{ email: '' }, { email: 'x@example.com' }]);
    expect(parseCsv(csv)).toEqual([['email'], [''], ['x@example.com']]);
  });

  it('refuses a file without columns', () => {
    expect(() => toCsv([], [])).toThrow(RangeError);
  });

  it('round-trips any text through the sandbox reader', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r', 'é', '1', ';') });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text, text), { maxLength: 20 }), (rows) => {
        const csv = toCsv(['one', 'two', 'three'], rows.map(([one, two, three]) => ({ one, two, three })));
        expect(parseCsv(csv)).toEqual([['one', 'two', 'three'], ...rows]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the sandbox CSV reader', () => {
  it('refuses what a careless writer produces', () => {
    expect(() => parseCsv('email,company\na@example.com,"Acme, Inc.\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('email,company\na@example.com,Acme "Best" Inc\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b\n"x"y,z\n')).toThrow(CsvSyntaxError);
  });

  it('reads an unquoted comma as a field break, as Marketo would', () => {
    expect(parseCsv('email,company\na@example.com,Acme, Inc.\n')).toEqual([
      ['email', 'company'],
      ['a@example.com', 'Acme', ' Inc.'],
    ]);
  });
});
