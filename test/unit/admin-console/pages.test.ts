import { describe, expect, it } from 'vitest';
import { handler } from '#functions/admin-console/handler-page.ts';
import { routes } from '#functions/catalog.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';

const pages: Array<{ routeKey: string; path: string; pathParameters: Record<string, string> }> = [
  { routeKey: 'GET /admin', path: '/admin', pathParameters: {} },
  { routeKey: 'GET /admin/instances/{munchkinId}', path: '/admin/instances/123-ABC-456', pathParameters: { munchkinId: '123-ABC-456' } },
  { routeKey: 'GET /admin/destinations/{destinationId}', path: '/admin/destinations/newsletter', pathParameters: { destinationId: 'newsletter' } },
  { routeKey: 'GET /admin/campaign/{account}', path: '/admin/campaign/acme-mkt-prod1', pathParameters: { account: 'acme-mkt-prod1' } },
];

describe('the admin console pages', () => {
  it('declares every page route in the catalog, served by the page function', () => {
    const declared = routes.filter((route) => route.function === 'admin-console-page').map((route) => `${route.method} ${route.path}`);
    expect(declared.sort()).toEqual(pages.map((page) => page.routeKey).sort());
  });

  it.each(pages)('$routeKey answers a shell whose only script carries the nonce of its CSP, never cached or framed', async (page) => {
    const response = await handler(apiEvent(page), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    const csp = response.headers['content-security-policy'] ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    const scripts = [...String(response.body).matchAll(/<script([^>]*)>/g)].map((match) => match[1]);
    expect(scripts).toEqual([` nonce="${nonce}"`]);
    // The shell holds no data: the token form and the live regions are there, the token is not.
    expect(response.body).toContain('id="token-form"');
    expect(response.body).toContain('role="alert"');
  });

  it('escapes what comes from the path, and answers a path that cannot be a key with a clear 400', async () => {
    const campaign = await handler(apiEvent({ routeKey: 'GET /admin/campaign/{account}', path: '/admin/campaign/Acme_1', pathParameters: { account: 'Acme_1' } }), lambdaContext());
    expect(campaign.body).toContain('data-account="acme_1"');
    const bad = await handler(
      apiEvent({ routeKey: 'GET /admin/destinations/{destinationId}', path: '/admin/destinations/x', pathParameters: { destinationId: '<script>' } }),
      lambdaContext(),
    );
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(String(bad.body)).error.code).toBe('validation_failed');
    expect(String(bad.body)).not.toContain('<script>');
  });
});
