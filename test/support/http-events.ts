import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { toApiGatewayEvent } from '#local/gateway/event.ts';
import { localLambdaContext } from '#local/gateway/lambda-context.ts';

/** An API Gateway v2 event as the local gateway (and API Gateway) would build it. */
export function apiEvent(input: {
  method?: string;
  path: string;
  routeKey?: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
}): APIGatewayProxyEventV2 {
  const url = new URL(input.path, 'http://127.0.0.1:3000');
  const body = typeof input.body === 'string' ? Buffer.from(input.body) : (input.body ?? Buffer.alloc(0));
  return toApiGatewayEvent({
    method: input.method ?? 'GET',
    url,
    headers: { 'content-type': 'application/json', ...(input.body !== undefined ? { 'content-length': String(body.length) } : {}), ...input.headers },
    body,
    sourceIp: '127.0.0.1',
    route: { routeKey: input.routeKey ?? `${input.method ?? 'GET'} ${url.pathname}`, pathParameters: input.pathParameters ?? {} },
  });
}

export function lambdaContext(name = 'test', timeoutSeconds = 30): Context {
  return localLambdaContext({ name, entry: 'test', description: 'test', timeoutSeconds, table: 'none' });
}

/** What a handler answered: status, headers, the body as text and, when it is JSON, parsed. */
export interface HandlerAnswer {
  status: number;
  headers: Record<string, string | number | boolean>;
  body: Record<string, any>;
  text: string;
}

/** Any of our HTTP Lambda handlers (middy-wrapped ones included). */
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** Calls an HTTP handler with the event API Gateway would build for `input`, and reads its answer. */
export async function callHandler(handler: HttpHandler, input: Parameters<typeof apiEvent>[0]): Promise<HandlerAnswer> {
  const response = (await handler(apiEvent(input), lambdaContext())) as APIGatewayProxyStructuredResultV2;
  const text = response.body ?? '';
  return { status: response.statusCode ?? 200, headers: response.headers ?? {}, body: parsedOrEmpty(text), text };
}

function parsedOrEmpty(text: string): Record<string, any> {
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, any>) : {};
  } catch {
    return {};
  }
}

/** Captures everything written to stdout and stderr while `run` executes (the logger writes there). */
export async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const originalOut = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    const result = await run();
    return { result, output: chunks.join('') };
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
  }
}
