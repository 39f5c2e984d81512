/**
 * A small multipart/form-data reader (RFC 7578) for the bulk import endpoint.
 * Answers undefined for anything malformed; the caller turns that into 613.
 */
export interface FormPart {
  name: string;
  filename?: string;
  content: Buffer;
}

export function parseMultipart(contentType: string | undefined, body: Buffer): Map<string, FormPart> | undefined {
  const boundary = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return undefined;
  const delimiter = Buffer.from(`--${marker}`);
  const parts = new Map<string, FormPart>();
  let position = body.indexOf(delimiter);
  if (position < 0) return undefined;
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString() === '--') return parts; // closing delimiter
    if (body.subarray(position, position + 2).toString() !== '\r\n') return undefined;
    const headersEnd = body.indexOf('\r\n\r\n', position);
    if (headersEnd < 0) return undefined;
    const headers = body.subarray(position + 2, headersEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd + 4);
    if (next < 0) return undefined;
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) return undefined;
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    parts.set(name, { name, filename, content: body.subarray(headersEnd + 4, next) });
    position = next + 2;
  }
}
