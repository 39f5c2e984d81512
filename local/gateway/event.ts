import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface MatchedRoute {
  routeKey: string;
  pathParameters: Record<string, string>;
}

/** Compiles API Gateway route paths (`/a/{id}`, `/b/{proxy+}`) to matchers. */
export function compileRoutePath(path: string): (requestPath: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const source = path
    .split(/(\{[A-Za-z0-9_]+\+?\})/)
    .map((part) => {
      const param = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(part);
      if (param) {
        names.push(param[1] ?? '');
        return param[2] ? '(.+)' : '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  const pattern = new RegExp(`^${source}$`);
  return (requestPath) => {
    const match = pattern.exec(requestPath);
    if (!match) return undefined;
    const params: Record<string, string> = {};
    names.forEach((name, index) => {
      try {
        params[name] = decodeURIComponent(match[index + 1] ?? '');
      } catch {
        params[name] = match[index + 1] ?? '';
      }
    });
    return params;
  };
}

/** The API Gateway HTTP API (payload format 2.0) event for a local request. */
export function toApiGatewayEvent(input: {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
  route: MatchedRoute;
}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  // Own keys only: `in` would see Object.prototype, so ?constructor=x arrived as "function Object() {...},x".
  for (const [name, value] of input.url.searchParams) query[name] = Object.hasOwn(query, name) ? `${query[name]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  const isText = input.body.length === 0 || /json|text|xml|x-www-form-urlencoded|javascript/i.test(contentType) || contentType === '';
  const now = Date.now();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: input.route.routeKey,
    rawPath: input.url.pathname,
    rawQueryString: input.url.search.replace(/^\?/, ''),
    cookies: cookies.length ? cookies : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? { ...query } : undefined,
    pathParameters: Object.keys(input.route.pathParameters).length ? input.route.pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: { method: input.method, path: input.url.pathname, protocol: 'HTTP/1.1', sourceIp: input.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: input.route.routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: input.body.length ? (isText ? input.body.toString('utf8') : input.body.toString('base64')) : undefined,
    isBase64Encoded: input.body.length > 0 && !isText,
  };
}
