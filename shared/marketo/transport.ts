import type { CallBudget } from './call-budget';
import { nextCentralMidnight } from './central-time';
import {
  classifyMarketoCode,
  configurationMessage,
  MarketoConfigError,
  MarketoDailyQuotaError,
  MarketoRequestError,
  MarketoUnavailableError,
  type MarketoErrorKind,
} from './errors';
import { exchange, fullJitterDelay, parseJson, type BackoffOptions } from './retry';
import { envelopeSchema, type MarketoEnvelope } from './schemas';
import { isTimeout, stripped, type TokenProvider } from './token-provider';

export type CallKind =
  | 'syncLeads'
  | 'findLeads'
  | 'getList'
  | 'addToList'
  | 'removeFromList'
  | 'listMembers'
  | 'isMember'
  | 'importLeads'
  | 'importStatus'
  | 'describeLeads'
  | 'partitions'
  | 'browseLists'
  | 'importFiles'
  | 'exportLeads'
  | 'exportEnqueue'
  | 'exportStatus'
  | 'exportFile'
  | 'exportCancel'
  | 'usage';

export interface MarketoClientStats {
  /** REST calls sent, retries included, per endpoint. */
  callsByKind: Record<CallKind, number>;
  /** Requests to the identity service. */
  tokenCalls: number;
  retries: number;
  /** Times we waited because Marketo said 606 or 615. */
  throttledWaits: number;
}

export function emptyStats(): MarketoClientStats {
  return {
    callsByKind: {
      syncLeads: 0,
      findLeads: 0,
      getList: 0,
      addToList: 0,
      removeFromList: 0,
      listMembers: 0,
      isMember: 0,
      importLeads: 0,
      importStatus: 0,
      describeLeads: 0,
      partitions: 0,
      browseLists: 0,
      importFiles: 0,
      exportLeads: 0,
      exportEnqueue: 0,
      exportStatus: 0,
      exportFile: 0,
      exportCancel: 0,
      usage: 0,
    },
    tokenCalls: 0,
    retries: 0,
    throttledWaits: 0,
  };
}

export interface MarketoRequest {
  kind: CallKind;
  method: 'GET' | 'POST' | 'DELETE';
  /** From the REST base URL, e.g. '/rest/v1/leads.json'. */
  path: string;
  query?: URLSearchParams;
  body?: { json: unknown } | { form: URLSearchParams } | { multipart: FormData };
  /** For messages: what we were doing and to what, e.g. 'addToList', 'list 1001'. */
  operation: string;
  target?: string;
  /** The answer is a file (a bulk import's failures or warnings, a bulk extract's file), not a JSON envelope; Marketo's errors still come as envelopes. */
  file?: boolean;
  /** Transient codes not worth retrying now (a bulk import's 1016/1019: the queue drains in minutes): thrown at once as MarketoUnavailableError. */
  noRetry?: readonly string[];
}

export interface TransportOptions {
  munchkinId: string;
  restBaseUrl: string;
  tokens: TokenProvider;
  budget: CallBudget;
  fetch: typeof fetch;
  timeoutMs: number;
  maxRetries: number;
  maxThrottleWaits: number;
  backoff: BackoffOptions;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  stats: MarketoClientStats;
}

type Outcome = { type: 'ok'; envelope: MarketoEnvelope; text: string } | { type: 'failed'; code: string; kind: MarketoErrorKind; detail: string; cause?: unknown };

/**
 * Asked before every HTTP attempt (retries included), once the call has its
 * budget place: given the longest the attempt can stay in flight, it returns
 * to let it go, or throws to stop it unsent (e.g. the runner's lease would not
 * outlive it).
 */
export type CallGate = (inFlightBoundMs: number) => Promise<void>;

/** Sends one logical Marketo call: token, budget, retries, and the error table applied. */
export class MarketoTransport {
  gate: CallGate | undefined;

  constructor(private readonly options: TransportOptions) {}

  async send(request: MarketoRequest): Promise<MarketoEnvelope> {
    return (await this.exchange(request)).envelope;
  }

  /** A file endpoint's text (see `MarketoRequest.file`), with the same retries and error table. */
  async sendForFile(request: MarketoRequest): Promise<string> {
    return (await this.exchange({ ...request, file: true })).text;
  }

  private async exchange(request: MarketoRequest): Promise<{ envelope: MarketoEnvelope; text: string }> {
    const { stats, maxRetries, maxThrottleWaits } = this.options;
    let transientRetries = 0;
    let throttleWaits = 0;
    let refreshedToken = false;
    for (;;) {
      const token = await this.options.tokens.token();
      const outcome = await this.attempt(request, token);
      if (outcome.type === 'ok') return outcome;
      // A 601/602 straight after a fresh token is not our token's fault: treat it as transient.
      const kind = outcome.kind === 'reauthenticate' && refreshedToken ? 'transient' : outcome.kind;
      switch (kind) {
        case 'reauthenticate':
          refreshedToken = true;
          stats.retries += 1;
          await this.options.tokens.invalidate(token);
          continue;
        case 'throttle':
          if (throttleWaits >= maxThrottleWaits) throw this.unavailable(request, outcome);
          throttleWaits += 1;
          stats.throttledWaits += 1;
          stats.retries += 1;
          // 606: the instance's window is full (others share it): our own window
          // is the earliest it can have moved. 615: calls end within moments.
          await this.options.sleep(
            outcome.code === '606' ? this.options.budget.effectiveWindowMs : fullJitterDelay(throttleWaits, this.options.backoff),
          );
          continue;
        case 'transient':
          if (transientRetries >= maxRetries || request.noRetry?.includes(outcome.code)) throw this.unavailable(request, outcome);
          await this.options.sleep(fullJitterDelay(transientRetries, this.options.backoff));
          transientRetries += 1;
          stats.retries += 1;
          continue;
        case 'daily-quota':
          throw MarketoDailyQuotaError.until(this.options.munchkinId, new Date(nextCentralMidnight(this.options.now())));
        case 'configuration':
          throw new MarketoConfigError(configurationMessage(outcome.code, this.options.munchkinId, request.operation, request.target), { code: outcome.code });
        case 'record':
          throw new MarketoRequestError(
            `Marketo instance ${this.options.munchkinId} refused ${request.operation}${request.target ? ` on ${request.target}` : ''} as a whole (${outcome.code}: ${outcome.detail}): fix the request`,
            { code: outcome.code },
          );
      }
    }
  }

  private unavailable(request: MarketoRequest, outcome: Extract<Outcome, { type: 'failed' }>): MarketoUnavailableError {
    return new MarketoUnavailableError(
      `Marketo instance ${this.options.munchkinId} kept failing ${request.operation} (last: ${outcome.code} ${outcome.detail}); try again later`,
      { code: outcome.code, cause: outcome.cause },
    );
  }

  private async attempt(request: MarketoRequest, token: string): Promise<Outcome> {
    const url = `${this.options.restBaseUrl}${request.path}${request.query?.size ? `?${request.query.toString()}` : ''}`;
    const init: RequestInit = { method: request.method, headers: { authorization: `Bearer ${token}` } };
    if (request.body && 'json' in request.body) {
      init.headers = { ...init.headers, 'content-type': 'application/json' };
      init.body = JSON.stringify(request.body.json);
    } else if (request.body && 'form' in request.body) {
      init.headers = { ...init.headers, 'content-type': 'application/x-www-form-urlencoded' };
      init.body = request.body.form.toString();
    } else if (request.body) {
      init.body = request.body.multipart; // fetch writes the multipart boundary itself
    }
    const slot = await this.options.budget.acquire();
    try {
      await this.gate?.(this.options.timeoutMs);
    } catch (error) {
      slot.release();
      throw error;
    }
    this.options.stats.callsByKind[request.kind] += 1;
    let answer;
    try {
      answer = await exchange(this.options.fetch, url, init, this.options.timeoutMs);
    } catch (error) {
      const timedOut = isTimeout(error);
      return { type: 'failed', code: timedOut ? 'timeout' : 'network', kind: 'transient', detail: timedOut ? 'no answer in time' : 'unreachable', cause: stripped(error) };
    } finally {
      slot.release();
    }
    return this.interpret(answer.status, answer.text, request.file === true);
  }

  private interpret(status: number, text: string, file: boolean): Outcome {
    const code = String(status);
    if (status >= 500) return { type: 'failed', code, kind: 'transient', detail: 'server error' };
    // HTTP-level errors Marketo documents: 413 body over 1 MB (10 MB for imports), 414 URI over 8 KB.
    if (status === 413 || status === 414) return { type: 'failed', code, kind: 'record', detail: status === 413 ? 'body too large' : 'URI too long' };
    if (status === 429) return { type: 'failed', code, kind: 'throttle', detail: 'too many requests' };
    // A bulk extract's file endpoint answers 404 in plain text for a job not completed, unknown, or past its seven days.
    if (status === 404 && file) return { type: 'failed', code: 'file-not-found', kind: 'configuration', detail: 'no such file: the job is not completed, unknown, or past its retention' };
    if (status !== 200) return { type: 'failed', code, kind: 'configuration', detail: `HTTP ${status}: check the REST endpoint URL` };
    const parsed = envelopeSchema.safeParse(parseJson(text));
    if (file && !parsed.success) return { type: 'ok', envelope: { success: true }, text };
    if (!parsed.success) return { type: 'failed', code: 'unexpected-response', kind: 'transient', detail: 'not a Marketo answer' };
    const envelope = parsed.data;
    if (envelope.success) return { type: 'ok', envelope, text };
    const first = envelope.errors?.[0];
    if (!first) return { type: 'failed', code: 'unexpected-response', kind: 'transient', detail: 'failure without an error code' };
    return { type: 'failed', code: first.code, kind: classifyMarketoCode(first.code), detail: first.message };
  }
}
