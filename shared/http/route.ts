import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { AppError, BadRequestError, PayloadTooLargeError } from '#shared/errors.ts';
import { defaultPorts, type Ports } from '#shared/runtime/ports.ts';
import { authenticateAdmin, type AdminPrincipal } from './admin-auth';
import { redactText } from '#shared/logging/redact.ts';
import { errorBody, json, type HttpResponse } from './responses';
import { httpErrorFor } from './vendor-errors';
import { parseInput } from './validation';

export type AuthMode = 'admin' | 'public';

export interface HttpRequest<B, P, Q, A extends AuthMode = AuthMode> {
  params: P;
  query: Q;
  body: B;
  /** The body as text (base64 decoded), for handlers that parse leniently. */
  rawBody: string;
  /** Header names are lower-case. */
  headers: Record<string, string | undefined>;
  requestId: string;
  /** The verified admin, on routes that require an admin token. */
  admin: A extends 'admin' ? AdminPrincipal : undefined;
  event: APIGatewayProxyEventV2;
  context: Context;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteSpec<BS extends Schema | undefined, PS extends Schema | undefined, QS extends Schema | undefined, A extends AuthMode> {
  logger: Logger;
  /** 'admin' requires a valid admin token; 'public' leaves authentication to the core (webhook, callback). */
  auth: A;
  params?: PS;
  query?: QS;
  body?: BS;
  maxBodyBytes?: number;
  ports?: () => Ports;
}

/**
 * The middy stack every HTTP handler uses: correlation id, body limit (413),
 * JSON and zod validation (400 with field paths), admin token (401/403), and
 * one place that turns errors into the `{error:{code,message,details}}`
 * envelope, never with a stack or a secret.
 */
export function httpRoute<
  A extends AuthMode,
  BS extends Schema | undefined = undefined,
  PS extends Schema | undefined = undefined,
  QS extends Schema | undefined = undefined,
>(spec: RouteSpec<BS, PS, QS, A>, core: (request: HttpRequest<Out<BS>, Out<PS>, Out<QS>, A>, ports: Ports) => Promise<HttpResponse>) {
  const { logger } = spec;
  const getPorts = spec.ports ?? defaultPorts;
  return middy<APIGatewayProxyEventV2, HttpResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: async (request) => {
        request.response = toErrorResponse(request.error, request.event, logger);
      },
    })
    .handler(async (event, context) => {
      const ports = getPorts();
      const requestId = requestIdOf(event);
      logger.appendKeys({ correlation_id: requestId, route: event.routeKey ?? `${event.requestContext?.http?.method} ${event.rawPath}` });
      const rawBody = decodeBody(event, spec.maxBodyBytes ?? ports.config.MAX_BODY_BYTES);
      const headers = lowerCaseHeaders(event.headers);
      const admin = (spec.auth === 'admin' ? await authenticateAdmin(headers.authorization, ports.config, ports.secrets) : undefined) as HttpRequest<
        unknown,
        unknown,
        unknown,
        A
      >['admin'];
      const params = (spec.params ? parseInput(spec.params, event.pathParameters ?? {}, 'path') : undefined) as Out<PS>;
      const query = (spec.query ? parseInput(spec.query, event.queryStringParameters ?? {}, 'query string') : undefined) as Out<QS>;
      const body = (spec.body ? parseInput(spec.body, parseJsonBody(rawBody), 'request body') : undefined) as Out<BS>;
      const response = await core({ params, query, body, rawBody, headers, requestId, admin, event, context }, ports);
      response.headers['x-request-id'] = requestId;
      return response;
    });
}

export function requestIdOf(event: APIGatewayProxyEventV2): string {
  return event.requestContext?.requestId ?? 'unknown';
}

export function lowerCaseHeaders(headers: Record<string, string | undefined> | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

function decodeBody(event: APIGatewayProxyEventV2, limit: number): string {
  const declared = Number(lowerCaseHeaders(event.headers)['content-length'] ?? 0);
  const tooLarge = () => new PayloadTooLargeError(`The request body is larger than ${limit} bytes.`);
  if (declared > limit) throw tooLarge();
  if (!event.body) return '';
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > limit) throw tooLarge();
  return text;
}

export function parseJsonBody(rawBody: string): unknown {
  if (rawBody.trim() === '') throw new BadRequestError('A JSON request body is required.', { code: 'invalid_json' });
  try {
    return JSON.parse(rawBody);
  } catch {
    throw new BadRequestError('The request body is not valid JSON.', { code: 'invalid_json' });
  }
}

export function toErrorResponse(thrown: unknown, event: APIGatewayProxyEventV2 | undefined, logger: Logger): HttpResponse {
  const requestId = event ? requestIdOf(event) : 'unknown';
  // Vendor errors get their status in one place; anything else unexpected is a 500.
  const error = httpErrorFor(thrown) ?? thrown;
  if (error instanceof AppError) {
    if (error.status >= 500) logger.error('request failed upstream', { code: error.code, error: describeError(error) });
    else logger.info('request refused', { status: error.status, code: error.code });
    const message = error.expose ? redactText(error.message) : 'The request could not be completed.';
    return json(error.status, errorBody(error.code, message, error.expose ? error.details : undefined), { 'x-request-id': requestId });
  }
  logger.error('unhandled error', { error: describeError(error) });
  return json(500, errorBody('internal_error', `Something went wrong on our side. Quote request id ${requestId} when reporting it.`), {
    'x-request-id': requestId,
  });
}

/** What of an error may be logged: its name, message and cause chain, never the stack. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.cause !== undefined) out.cause = describeError(error.cause);
  return out;
}
