import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request exactly as it crossed the wire, and what the vendor answered. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body bytes (empty when there was none). */
  body: Buffer;
  status: number;
  responseText: string;
}

export interface RecordingProxy {
  /** Base URL to give the client instead of the vendor's (same paths). */
  url: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a real sandbox: it forwards every request
 * unchanged to `target` and records it byte for byte, so a test can pin what a
 * client sends (method, path, query, headers, body) while the sandbox answers
 * as the vendor would.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(request.url ?? '/', 'http://proxy.invalid');
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || name === 'host' || name === 'connection' || name === 'content-length') continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const method = request.method ?? 'GET';
      fetch(`${target}${url.pathname}${url.search}`, { method, headers, body: body.length > 0 ? body : undefined })
        .then(async (answer) => {
          const responseText = await answer.text();
          requests.push({ method, path: url.pathname, query: url.searchParams, headers: request.headers, body, status: answer.status, responseText });
          response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          response.end(responseText);
        })
        .catch((error: unknown) => {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(`recording proxy: ${String(error)}`);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
