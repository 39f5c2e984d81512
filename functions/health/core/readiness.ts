import { isDependencyUnavailable, isThrottlingError } from '#shared/errors.ts';
import type { Config } from '#shared/config/index.ts';
import { SecretNotFoundError, type SecretStore } from '#shared/secrets/index.ts';
import type { Store } from '#shared/store/index.ts';

export interface ReadinessPorts {
  store: Store;
  secrets: SecretStore;
  config: Pick<Config, 'ADMIN_JWT_SECRET_NAME'>;
}

export type Dependency = 'store' | 'secrets';

/** Why a dependency is down, as a code an operator can act on (never the SDK's message, which may name hosts). */
export type DownReason = 'unreachable' | 'throttled' | 'timeout' | 'table_missing' | 'secret_missing' | 'error';

export type CheckResult = { status: 'up' } | { status: 'down'; reason: DownReason };

export interface Readiness {
  ready: boolean;
  checks: Record<Dependency, CheckResult>;
}

/** A probe answers in time or counts as down: a hanging dependency must not hang the probe past its own timeout. */
export const CHECK_TIMEOUT_MS = 2000;

/** The item the store check reads: it never exists, a consistent read of it proves the table answers. */
const PROBE_KEY = { pk: 'HEALTH', sk: 'READINESS' };

/**
 * Readiness (GET /health/ready): can orgbridge serve requests that need its
 * dependencies? It reads one item from the table and rereads the webhook
 * token from the secret store (bypassing the container's cache, so a store
 * that went down after the first read is noticed). Both checks run at once.
 */
export async function checkReadiness(ports: ReadinessPorts): Promise<Readiness> {
  const [store, secrets] = await Promise.all([
    probe(() => ports.store.get(PROBE_KEY, { consistent: true })),
    probe(() => ports.secrets.refresh(ports.config.ADMIN_JWT_SECRET_NAME)),
  ]);
  return { ready: store.status === 'up' && secrets.status === 'up', checks: { store, secrets } };
}

async function probe(check: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CHECK_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([check().then(() => 'up' as const), timedOut]);
    return outcome === 'up' ? { status: 'up' } : { status: 'down', reason: 'timeout' };
  } catch (error) {
    return { status: 'down', reason: downReason(error) };
  } finally {
    clearTimeout(timer);
  }
}

function downReason(error: unknown): DownReason {
  if (error instanceof SecretNotFoundError) return 'secret_missing';
  if (error instanceof Error && error.name === 'ResourceNotFoundException') return 'table_missing';
  if (isThrottlingError(error)) return 'throttled';
  if (isDependencyUnavailable(error)) return 'unreachable';
  return 'error';
}
