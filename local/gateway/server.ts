import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { functionNamed, routes, type RouteDef } from '#functions/catalog.ts';
import { compileRoutePath, toApiGatewayEvent } from './event';
import { loadHandler } from './handlers';
import { localLambdaContext } from './lambda-context';

/** API Gateway HTTP API refuses payloads over 10 MB before Lambda sees them. */
const GATEWAY_PAYLOAD_LIMIT = 10 * 1024 * 1024;

export type LocalRouteHandler = (request: { method: string; url: URL; body: Buffer }) => Promise<{ status: number; body: unknown } | undefined>;

export interface LocalGateway {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/**
 * Serves the catalog's routes with the same handler modules Lambda runs,
 * turning each request into an API Gateway v2 event. `extraRoutes` answers
 * local-only paths (`/_local/...`) first.
 */
export async function startGateway(options: { port: number; host?: string; root: string; extraRoutes?: LocalRouteHandler }): Promise<LocalGateway> {
  const compiled = routes.map((route) => ({ route, match: compileRoutePath(route.path) }));
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      console.error(`gateway: ${(error as Error).message}`);
      if (!res.headersSent) writeJson(res, 500, { error: { code: 'internal_error', message: 'The local gateway failed.' } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A fixed base: a malformed Host header must not turn into a 500 (only the path and query are used).
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const body = await readBody(req, GATEWAY_PAYLOAD_LIMIT);
    if (body === 'too-large') return writeJson(res, 413, { message: 'Request Entity Too Large' });
    const local = await options.extraRoutes?.({ method, url, body });
    if (local) return writeJson(res, local.status, local.body);
    let pathMatched = false;
    for (const { route, match } of compiled) {
      const pathParameters = match(url.pathname);
      if (!pathParameters) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      return invoke(route, pathParameters);
    }
    writeJson(res, pathMatched ? 405 : 404, { error: { code: pathMatched ? 'method_not_allowed' : 'route_not_found', message: `No route for ${method} ${url.pathname}` } });

    async function invoke(route: RouteDef, pathParameters: Record<string, string>): Promise<void> {
      const fn = functionNamed(route.function);
      const handler = await loadHandler(fn, options.root);
      const event = toApiGatewayEvent({
        method,
        url,
        headers: req.headers,
        body: body as Buffer,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        route: { routeKey: `${route.method} ${route.path}`, pathParameters },
      });
      const result = (await handler(event, localLambdaContext(fn, event.requestContext.requestId))) as APIGatewayProxyStructuredResultV2 | string | undefined;
      writeLambdaResult(res, result);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** Maps a Lambda proxy result to an HTTP response the way API Gateway does. */
function writeLambdaResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2 | string | undefined): void {
  if (result === undefined || typeof result === 'string') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(result ?? '');
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}
