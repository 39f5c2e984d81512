import { createLogger } from '#shared/logging/logger.ts';
import { DEFAULT_RETRY_AFTER_SECONDS } from '#shared/errors.ts';
import { errorBody, httpRoute, json } from '#shared/http/index.ts';
import { checkReadiness, type Dependency } from './core/readiness';

const logger = createLogger('readiness');

const NAMES: Record<Dependency, string> = { store: 'the DynamoDB table', secrets: 'the secret store' };

/**
 * GET /health/ready: 200 when DynamoDB and the secret store answer, else 503
 * naming what is down (`details.checks`), with Retry-After. `/health` stays
 * the cheap liveness check that touches nothing.
 */
export const handler = httpRoute({ logger, auth: 'public' }, async (_request, ports) => {
  const readiness = await checkReadiness(ports);
  if (readiness.ready) return json(200, { status: 'ready', service: 'orgbridge', checks: readiness.checks });
  const down = (Object.keys(readiness.checks) as Dependency[]).filter((name) => readiness.checks[name].status === 'down');
  logger.warn('not ready', { down, checks: readiness.checks });
  const message = `Not ready: ${down.map((name) => NAMES[name]).join(' and ')} ${down.length > 1 ? 'are' : 'is'} down.`;
  return json(503, errorBody('not_ready', message, { status: 'not_ready', down, checks: readiness.checks }), { 'retry-after': String(DEFAULT_RETRY_AFTER_SECONDS) });
});
