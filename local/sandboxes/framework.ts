import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A small framework for loopback vendor sandboxes: each sandbox is an HTTP
 * server on 127.0.0.1 with routes, seeded state, fault injection, latency and
 * rate windows. Sandboxes reproduce the vendor's documented behaviour
 * (docs/vendors/), including the unkind parts.
 */

export interface SandboxRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  params: Record<string, string>;
  text(): string;
  /** JSON.parse of the body; throws SyntaxError on bad JSON (the sandbox answers as the vendor would). */
  json(): unknown;
  /** application/x-www-form-urlencoded body. */
  form(): URLSearchParams;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

/** A fault replaces the real answer: a response, or 'hang' (accept and never answer, as a timeout looks). */
export type Fault = SandboxResponse | 'hang';

export type RouteHandler = (request: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

export interface FaultPlan {
  /** Probability (0..1) that a vendor call is answered by a fault instead. */
  rate: number;
  /** Names of the sandbox's fault kinds to draw from, equally likely. */
  kinds: string[];
  /** Seed of the draw, so a failing run can be repeated. */
  seed?: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  status: number;
  at: number;
  /** The fault kind, when this call was answered by an injected fault. */
  fault?: string;
}

/** Mulberry32: a tiny seeded generator, enough for reproducible fault draws. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SandboxServer {
  readonly name: string;
  private readonly routes: Route[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly faultKinds = new Map<string, (request: SandboxRequest) => Fault>();
  private plan: FaultPlan = { rate: 0, kinds: [] };
  private random: () => number = Math.random;
  private readonly scripted: string[] = [];
  /**
   * Wraps every vendor call (latency included), e.g. to hold a concurrency
   * gauge or count a rate window for the whole time the call is in flight.
   */
  around: ((request: SandboxRequest, next: () => Promise<SandboxResponse>) => Promise<SandboxResponse>) | undefined;
  /** Added to every answer, in ms. */
  latencyMs = 0;
  /** Every vendor call answered (sandbox control routes are not recorded). */
  readonly calls: RecordedCall[] = [];
  baseUrl = '';

  constructor(name: string) {
    this.name = name;
    this.route('GET', '/_sandbox/calls', () => ({ status: 200, body: { calls: this.calls } }));
    this.route('POST', '/_sandbox/faults', (request) => {
      const body = request.json() as Partial<FaultPlan> & { latencyMs?: number; next?: string[] };
      this.setFaults({ rate: body.rate ?? 0, kinds: body.kinds ?? [], seed: body.seed });
      if (body.latencyMs !== undefined) this.latencyMs = body.latencyMs;
      if (body.next) this.failNext(...body.next);
      return { status: 204 };
    });
  }

  /** Registers a route; `:name` segments become params (they match up to the next `/` or `.`). */
  route(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = path
      .split(/(:[A-Za-z]+)/)
      .map((part) => {
        if (part.startsWith(':')) {
          names.push(part.slice(1));
          return '([^/]+?)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** Declares a fault kind this sandbox can inject (e.g. Marketo's '606', a '503', 'timeout'). */
  defineFault(kind: string, fault: (request: SandboxRequest) => Fault): this {
    this.faultKinds.set(kind, fault);
    return this;
  }

  setFaults(plan: FaultPlan): void {
    for (const kind of plan.kinds) if (!this.faultKinds.has(kind)) throw new Error(`${this.name} sandbox has no fault kind ${kind}`);
    this.plan = plan;
    this.random = plan.seed === undefined ? Math.random : seededRandom(plan.seed);
  }

  /** The next calls are answered by these faults, in order, before any random draw. */
  failNext(...kinds: string[]): void {
    for (const kind of kinds) if (!this.faultKinds.has(kind)) throw new Error(`${this.name} sandbox has no fault kind ${kind}`);
    this.scripted.push(...kinds);
  }

  clearFaults(): void {
    this.plan = { rate: 0, kinds: [] };
    this.scripted.length = 0;
    this.latencyMs = 0;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    // Vendors answer long URLs themselves (Marketo: 414 over 8 KB); Node's 16 KB default would answer 431 first.
    const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
      // A rejected dispatch would be an unhandled rejection, which ends the whole process (npm start, a test worker).
      this.dispatch(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) send(res, { status: 500, body: { error: 'sandbox_error', message: (error as Error).message } });
        else res.destroy();
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${address.port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Picks the fault for this call, if any: scripted ones first, then the random plan. */
  private drawFault(request: SandboxRequest): { kind: string; fault: Fault } | undefined {
    if (request.path.startsWith('/_sandbox/')) return undefined;
    const kind = this.scripted.shift() ?? (this.plan.rate > 0 && this.random() < this.plan.rate ? pick(this.plan.kinds, this.random) : undefined);
    if (!kind) return undefined;
    const make = this.faultKinds.get(kind);
    return make ? { kind, fault: make(request) } : undefined;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const body = Buffer.concat(chunks);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const request: SandboxRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
      params: {},
      text: () => body.toString('utf8'),
      json: () => JSON.parse(body.toString('utf8')),
      form: () => new URLSearchParams(body.toString('utf8')),
    };
    const isVendorCall = !request.path.startsWith('/_sandbox/');
    const drawn = this.drawFault(request);
    let response: SandboxResponse;
    if (drawn?.fault === 'hang') {
      this.calls.push({ method: request.method, path: request.path, status: 0, at: Date.now(), fault: drawn.kind });
      return; // the socket stays open until the client gives up or the sandbox stops
    }
    if (drawn) {
      response = drawn.fault as SandboxResponse;
    } else if (isVendorCall) {
      const run = async () => {
        if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
        return this.answer(request);
      };
      response = this.around ? await this.around(request, run) : await run();
    } else {
      response = await this.answer(request);
    }
    if (isVendorCall) this.calls.push({ method: request.method, path: request.path, status: response.status, at: Date.now(), fault: drawn?.kind });
    send(res, response);
  }

  private async answer(request: SandboxRequest): Promise<SandboxResponse> {
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== request.method) continue;
      try {
        route.names.forEach((name, index) => (request.params[name] = decodeURIComponent(match[index + 1] ?? '')));
        return await route.handler(request);
      } catch (error) {
        if (error instanceof URIError) return { status: 400, body: { error: 'bad_request', message: 'malformed percent-encoding in the path' } };
        if (error instanceof SyntaxError) return { status: 400, body: { error: 'bad_request', message: 'malformed body' } };
        return { status: 500, body: { error: 'sandbox_error', message: (error as Error).message } };
      }
    }
    return pathMatched ? { status: 405, body: { error: 'method_not_allowed' } } : { status: 404, body: { error: 'not_found' } };
  }
}

function pick<T>(items: T[], random: () => number): T | undefined {
  return items.length ? items[Math.floor(random() * items.length)] : undefined;
}

function send(res: ServerResponse, response: SandboxResponse): void {
  const headers = { ...response.headers };
  let payload = '';
  if (response.body !== undefined) {
    if (typeof response.body === 'string') {
      payload = response.body;
    } else {
      payload = JSON.stringify(response.body);
      headers['content-type'] ??= 'application/json;charset=UTF-8';
    }
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

/**
 * Counts calls in a sliding window, as vendors that say "N calls per T
 * seconds" enforce it. `tryTake` records the call only when it fits.
 */
export class SlidingWindow {
  private readonly stamps: number[] = [];
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  tryTake(): boolean {
    const now = this.now();
    while (this.stamps.length && (this.stamps[0] ?? 0) <= now - this.windowMs) this.stamps.shift();
    if (this.stamps.length >= this.limit) return false;
    this.stamps.push(now);
    return true;
  }

  /** Ms until one more call would fit. */
  msUntilFree(): number {
    const now = this.now();
    while (this.stamps.length && (this.stamps[0] ?? 0) <= now - this.windowMs) this.stamps.shift();
    if (this.stamps.length < this.limit) return 0;
    return (this.stamps[0] ?? now) + this.windowMs - now;
  }
}

/** Calls in flight at once; `enter` refuses past the limit. */
export class ConcurrencyGauge {
  private active = 0;
  peak = 0;
  constructor(readonly limit: number) {}
  enter(): boolean {
    if (this.active >= this.limit) return false;
    this.active += 1;
    this.peak = Math.max(this.peak, this.active);
    return true;
  }
  leave(): void {
    this.active = Math.max(0, this.active - 1);
  }
}
