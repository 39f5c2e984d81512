import { afterEach, describe, expect, it } from 'vitest';
import { ConcurrencyGauge, SandboxServer, SlidingWindow } from '#local/sandboxes/framework.ts';

describe('the sandbox framework', () => {
  const servers: SandboxServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  async function sandbox(): Promise<{ server: SandboxServer; url: string }> {
    const server = new SandboxServer('test');
    server.route('GET', '/items/:id.json', (request) => ({ status: 200, body: { id: request.params.id } }));
    server.defineFault('503', () => ({ status: 503, body: 'unavailable' }));
    servers.push(server);
    return { server, url: await server.start() };
  }

  it('routes with params, answers 404 and 405 for unknown paths and methods, and records vendor calls', async () => {
    const { server, url } = await sandbox();
    expect(await (await fetch(`${url}/items/42.json`)).json()).toEqual({ id: '42' });
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    expect((await fetch(`${url}/items/42.json`, { method: 'DELETE' })).status).toBe(405);
    expect(server.calls.map((c) => c.status)).toEqual([200, 404, 405]);
  });

  it('answers a malformed percent-escape in a path parameter with 400 and keeps serving', async () => {
    const { url } = await sandbox();
    expect((await fetch(`${url}/items/%E0%A4%A.json`)).status).toBe(400);
    expect(await (await fetch(`${url}/items/7.json`)).json()).toEqual({ id: '7' });
  });

  it('answers 500 when a wrapper around the routes throws, instead of an unhandled rejection', async () => {
    const { server, url } = await sandbox();
    server.around = async () => {
      throw new Error('gauge broke');
    };
    expect((await fetch(`${url}/items/1.json`)).status).toBe(500);
    server.around = undefined;
    expect((await fetch(`${url}/items/1.json`)).status).toBe(200);
  });

  it('answers scripted faults first, in order, without reaching the route', async () => {
    const { server, url } = await sandbox();
    server.failNext('503', '503');
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await fetch(`${url}/items/1.json`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(server.calls.filter((c) => c.fault === '503')).toHaveLength(2);
  });

  it('draws random faults at the configured rate, the same way for the same seed', async () => {
    const draw = async () => {
      const { server, url } = await sandbox();
      server.setFaults({ rate: 0.3, kinds: ['503'], seed: 7 });
      const statuses: number[] = [];
      for (let i = 0; i < 60; i += 1) statuses.push((await fetch(`${url}/items/1.json`)).status);
      return statuses;
    };
    const first = await draw();
    expect(await draw()).toEqual(first);
    const faults = first.filter((s) => s === 503).length;
    expect(faults).toBeGreaterThan(5);
    expect(faults).toBeLessThan(35);
  });

  it('takes fault plans over HTTP too, and refuses a fault kind it does not have', async () => {
    const { server, url } = await sandbox();
    const configured = await fetch(`${url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ next: ['503'] }) });
    expect(configured.status).toBe(204);
    expect((await fetch(`${url}/items/1.json`)).status).toBe(503);
    expect(() => server.failNext('418')).toThrow(/no fault kind 418/);
  });

  it('counts a sliding window exactly: no more than the limit in any window, free again as calls age out', () => {
    let now = 0;
    const window = new SlidingWindow(3, 1000, () => now);
    expect([window.tryTake(), window.tryTake(), window.tryTake(), window.tryTake()]).toEqual([true, true, true, false]);
    now = 999;
    expect(window.tryTake()).toBe(false);
    expect(window.msUntilFree()).toBe(1);
    now = 1000;
    expect(window.tryTake()).toBe(true);
  });

  it('gauges concurrency and remembers the peak', () => {
    const gauge = new ConcurrencyGauge(2);
    expect([gauge.enter(), gauge.enter(), gauge.enter()]).toEqual([true, true, false]);
    gauge.leave();
    expect(gauge.enter()).toBe(true);
    expect(gauge.peak).toBe(2);
  });
});
