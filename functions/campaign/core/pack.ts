import { gunzipSync, gzipSync } from 'node:zlib';

/** JSON, gzipped and base64'd: user lists compress well, and a DynamoDB item holds 400 KB at most. */
export function packJson(value: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(value), 'utf8')).toString('base64');
}

export function unpackJson(packed: string): unknown {
  return JSON.parse(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8'));
}
