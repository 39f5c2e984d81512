import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toApiGatewayEvent } from '#local/gateway/event.ts';
import { startGateway, type LocalGateway } from '#local/gateway/server.ts';
import { repoRoot } from '#local/runtime.ts';

const eventFor = (path: string) =>
  toApiGatewayEvent({ method: 'GET', url: new URL(path, 'http://127.0.0.1'), headers: {}, body: Buffer.alloc(0), sourceIp: '127.0.0.1', route: { routeKey: 'GET /x', pathParameters: {} } });

describe('the local gateway', () => {
  it('passes query parameters named like Object.prototype members through unchanged, joining repeats as API Gateway does', () => {
    const event = eventFor('/x?constructor=a&toString=b&__proto__=c&id=1&id=2');
    expect(event.queryStringParameters).toEqual({ constructor: 'a', toString: 'b', ['__proto__']: 'c', id: '1,2' });
    expect(Object.getPrototypeOf(event.queryStringParameters)).toBe(Object.prototype);
  });

  describe('over HTTP', () => {
    let gateway: LocalGateway;
    beforeAll(async () => {
      gateway = await startGateway({ port: 0, root: repoRoot });
    });
    afterAll(() => gateway.stop());

    it('serves a request whose Host header is not a valid host', async () => {
      const { port } = new URL(gateway.url);
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/health', headers: { host: 'not a host' } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
    });
  });
});
