import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { UmapiCallBudget, type UmapiCallKind } from './budget';
import { UmapiRejectedError, UmapiThrottledError, UmapiUnavailableError } from './errors';
import { UmapiPager, type FetchedPage } from './pager';
import { retryAtFrom } from './retry-after';
import { groupsPageSchema, resultBodySchema, userResponseSchema, usersPageSchema, type UmapiGroup, type UmapiUser } from './schemas';

export const UMAPI_BASE_URL = 'https://usermanagement.adobe.io/v2/usermanagement';

export interface UmapiClientOptions {
  /** Up to and including /v2/usermanagement. */
  baseUrl: string;
  orgId: string;
  /** The credential's client ID, sent as X-Api-Key. */
  apiKey: string;
  /** A server-to-server IMS token (scope openid,AdobeID,user_management_sdk). */
  token: () => Promise<string>;
  /** Called once when UMAPI answers 401, before one retry with a fresh token (e.g. drop the cached token). */
  onTokenRejected?: () => void;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Shared by every client of one credential; defaults to a fresh budget at Adobe's per-client limits. */
  budget?: UmapiCallBudget;
  /** Epoch ms the caller must be done by (a Lambda's time limit): we never sleep past it. */
  deadline?: () => number;
  timeoutMs?: number;
  /** Attempts per call when UMAPI answers 502/503/504 or times out. */
  maxAttempts?: number;
}

interface Call<T> {
  operation: string;
  kind: UmapiCallKind;
  path: string;
  schema: z.ZodType<T>;
  page?: number;
}

type Answer<T> = { status: 200; body: T; headers: Headers } | { status: 404; result: string | undefined };

const TRANSIENT = new Set([502, 503, 504]);
const BACKOFF_BASE_MS = 1_000;

/** Path segments keep `@` readable, as Adobe's examples write org IDs and emails. */
function segment(value: string): string {
  return encodeURIComponent(value).replace(/%40/g, '@');
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

export class UmapiClient {
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly budget: UmapiCallBudget;
  private readonly baseUrl: string;

  constructor(private readonly options: UmapiClientOptions) {
    if (!URL.canParse(options.baseUrl)) throw new TypeError('UmapiClient: baseUrl must be an absolute URL');
    if (!/^[0-9A-Fa-f]{24}@AdobeOrg$/.test(options.orgId)) throw new TypeError('UmapiClient: orgId must look like <24 hex>@AdobeOrg');
    if (options.apiKey.trim().length === 0) throw new TypeError('UmapiClient: apiKey must not be empty');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.budget = options.budget ?? new UmapiCallBudget(this.now);
  }

  /** All user groups and product profiles of the org, a page at a time. */
  groups(options: { fromPage?: number } = {}): UmapiPager<UmapiGroup> {
    return new UmapiPager(options.fromPage ?? 0, async (page) => {
      const answer = await this.get({ operation: `Listing groups of ${this.options.orgId} (page ${page})`, kind: 'groups', path: `/groups/${segment(this.options.orgId)}/${page}`, schema: groupsPageSchema, page });
      if (answer.status === 404) throw UmapiRejectedError.answered(`Listing groups of ${this.options.orgId}`, 404, answer.result);
      const { body, headers } = answer;
      return { items: body.groups ?? [], lastPage: body.lastPage, outOfRange: body.result === 'Not found', servedPage: headerNumber(headers, 'x-current-page') };
    }, (group) => group.groupName);
  }

  /** Members of one group or product profile; a missing group is UmapiRejectedError 404 error.group.not_found. */
  usersInGroup(groupName: string, options: { fromPage?: number } = {}): UmapiPager<UmapiUser> {
    const operation = `Listing users of group "${groupName}" in ${this.options.orgId}`;
    return new UmapiPager(options.fromPage ?? 0, (page) => this.usersPage(operation, `/users/${segment(this.options.orgId)}/${page}/${segment(groupName)}`, page), (user) => user.email.toLowerCase());
  }

  /** Every user of the org. */
  users(options: { fromPage?: number } = {}): UmapiPager<UmapiUser> {
    const operation = `Listing users of ${this.options.orgId}`;
    return new UmapiPager(options.fromPage ?? 0, (page) => this.usersPage(operation, `/users/${segment(this.options.orgId)}/${page}`, page), (user) => user.email.toLowerCase());
  }

  /** One user by email (case-insensitive at UMAPI); undefined when not in the org. */
  async user(email: string): Promise<UmapiUser | undefined> {
    const answer = await this.get({ operation: `Looking up a user in ${this.options.orgId}`, kind: 'users', path: `/organizations/${segment(this.options.orgId)}/users/${segment(email)}`, schema: userResponseSchema });
    return answer.status === 200 ? answer.body.user : undefined;
  }

  private async usersPage(operation: string, path: string, page: number): Promise<FetchedPage<UmapiUser>> {
    const answer = await this.get({ operation: `${operation} (page ${page})`, kind: 'users', path, schema: usersPageSchema, page });
    if (answer.status === 404) throw UmapiRejectedError.answered(operation, 404, answer.result);
    const { body, headers } = answer;
    return { items: body.users ?? [], lastPage: body.lastPage, outOfRange: false, servedPage: headerNumber(headers, 'x-current-page') };
  }

  /** Waits for room in our budget, unless that would run past the deadline. */
  private async acquire(call: Call<unknown>): Promise<void> {
    for (;;) {
      if (this.budget.tryTake(call.kind)) return;
      const freeAt = this.now() + this.budget.msUntilFree(call.kind);
      if (freeAt > this.deadline()) throw UmapiThrottledError.until(call.operation, freeAt, { page: call.page, selfImposed: true });
      await this.sleep(freeAt - this.now());
    }
  }

  private deadline(): number {
    return this.options.deadline?.() ?? Number.POSITIVE_INFINITY;
  }

  /** Backs off before retrying a transient failure; gives up with UmapiUnavailableError when out of attempts or time. */
  private async backOff(call: Call<unknown>, attempt: number, failure: { detail: string; httpStatus?: number; cause?: unknown; requestId: string }): Promise<void> {
    const delay = BACKOFF_BASE_MS * 2 ** attempt + Math.floor(Math.random() * BACKOFF_BASE_MS);
    if (attempt + 1 >= (this.options.maxAttempts ?? 4) || this.now() + delay > this.deadline()) {
      throw UmapiUnavailableError.during(call.operation, failure.detail, { cause: failure.cause, httpStatus: failure.httpStatus, page: call.page, requestId: failure.requestId });
    }
    await this.sleep(delay);
  }

  private async get<T>(call: Call<T>): Promise<Answer<T>> {
    let tokenRetried = false;
    for (let attempt = 0; ; attempt += 1) {
      await this.acquire(call);
      const requestId = randomUUID();
      let response: Response;
      try {
        response = await this.fetchImpl(`${this.baseUrl}${call.path}`, {
          headers: { authorization: `Bearer ${await this.options.token()}`, 'x-api-key': this.options.apiKey, 'x-request-id': requestId, accept: 'application/json' },
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        });
      } catch (error) {
        await this.backOff(call, attempt, { detail: 'no answer or network failure', cause: error, requestId });
        continue;
      }
      const { status } = response;
      const text = await response.text();
      if (status === 429) throw UmapiThrottledError.until(call.operation, retryAtFrom(response.headers.get('retry-after'), this.now()), { page: call.page, requestId });
      if (TRANSIENT.has(status)) {
        await this.backOff(call, attempt, { detail: `HTTP ${status}`, httpStatus: status, requestId });
        continue;
      }
      if (status === 401 && this.options.onTokenRejected && !tokenRetried) {
        tokenRetried = true;
        this.options.onTokenRejected();
        continue;
      }
      const body = parseJson(text);
      if (status === 404) return { status: 404, result: resultBodySchema.safeParse(body).data?.result };
      if (status !== 200) throw UmapiRejectedError.answered(call.operation, status, resultBodySchema.safeParse(body).data?.result, requestId);
      const parsed = call.schema.safeParse(body);
      if (!parsed.success) throw UmapiUnavailableError.during(call.operation, 'the response did not have the documented shape', { cause: parsed.error, page: call.page, requestId });
      return { status: 200, body: parsed.data, headers: response.headers };
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
