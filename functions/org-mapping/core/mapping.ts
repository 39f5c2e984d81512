import type { Clock } from '#shared/clock.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '#shared/errors.ts';
import { readInstance, type MarketoInstance } from '#shared/instances/instance-store.ts';
import { readOrgMapping, updateMapping, type OrgMapping } from '#shared/instances/org-mapping-store.ts';
import type { Store } from '#shared/store/index.ts';
import { readAttempt } from '#functions/org-mapping/persistence/attempt-store.ts';
import { isOutcomeCode, outcomeMessage } from './reasons';

export type MappingStatus = 'unmapped' | 'draft' | 'pending' | 'mapped' | 'failed';

/** What the admin page shows for an instance. */
export interface MappingView {
  munchkinId: string;
  status: MappingStatus;
  /** Onboarded to the Adobe Business Platform: the org ID is Adobe's and read-only. */
  readOnly: boolean;
  /** HIPAA-ready instances cannot use the integration at all. */
  available: boolean;
  imsOrgId?: string;
  confirmed?: OrgMapping['confirmed'];
  draft?: { imsOrgId: string; enteredAt: string };
  lastAttempt?: OrgMapping['lastAttempt'] & { message?: string };
}

export async function getRegisteredInstance(store: Store, munchkinId: string): Promise<MarketoInstance> {
  const instance = await readInstance(store, munchkinId);
  if (!instance) throw new NotFoundError(`Marketo instance ${munchkinId} is not registered: register it with PUT /marketo/instances/${munchkinId}.`, { code: 'instance_not_found' });
  return instance;
}

/** The rules that hold before any sign-in: HIPAA-ready instances and onboarded subscriptions cannot be mapped here. */
export function assertMappable(instance: MarketoInstance): void {
  if (instance.hipaaReady) throw new ForbiddenError(outcomeMessage('hipaa_ready_instance'), { code: 'hipaa_ready_instance' });
  if (instance.onboardedImsOrgId) throw new ConflictError(outcomeMessage('org_id_read_only'), { code: 'org_id_read_only' });
}

export async function getMappingView(ports: { store: Store; clock: Clock }, munchkinId: string): Promise<MappingView> {
  const instance = await getRegisteredInstance(ports.store, munchkinId);
  const mapping = await readOrgMapping(ports.store, munchkinId);
  const attempt = mapping?.lastAttempt ? await settledAttempt(ports, mapping.lastAttempt) : undefined;
  const lastAttempt = attempt ? { ...attempt, message: attempt.reason && isOutcomeCode(attempt.reason) ? outcomeMessage(attempt.reason) : undefined } : undefined;
  if (instance.onboardedImsOrgId) {
    return { munchkinId, status: 'mapped', readOnly: true, available: !instance.hipaaReady, imsOrgId: instance.onboardedImsOrgId };
  }
  return {
    munchkinId,
    status: statusOf(mapping?.draft, mapping?.confirmed, attempt),
    readOnly: false,
    available: !instance.hipaaReady,
    imsOrgId: mapping?.confirmed?.imsOrgId,
    confirmed: mapping?.confirmed,
    draft: mapping?.draft ? { imsOrgId: mapping.draft.imsOrgId, enteredAt: mapping.draft.enteredAt } : undefined,
    lastAttempt,
  };
}

type LastAttempt = NonNullable<OrgMapping['lastAttempt']>;

/**
 * A popup closed before sign-in never calls back, so its attempt would read
 * "pending" for ever (the page would poll and hide Confirm). Once the
 * attempt's state has expired nobody can finish it: show it as failed.
 */
async function settledAttempt(ports: { store: Store; clock: Clock }, last: LastAttempt): Promise<LastAttempt> {
  if (last.status !== 'pending') return last;
  const attempt = await readAttempt(ports.store, last.attemptId);
  if (attempt && attempt.expiresAtMs > ports.clock.now()) return last;
  return { ...last, status: 'failed', reason: 'state_expired' };
}

function statusOf(draft: OrgMapping['draft'], confirmed: OrgMapping['confirmed'], lastAttempt: LastAttempt | undefined): MappingStatus {
  if (lastAttempt?.status === 'pending') return 'pending';
  if (draft && lastAttempt?.status === 'failed') return 'failed';
  if (draft) return 'draft';
  if (confirmed) return 'mapped';
  return 'unmapped';
}

/** Edit, enter the org ID, OK: a draft beside any confirmed mapping, which stays in force. */
export async function enterOrgId(ports: { store: Store; clock: Clock }, munchkinId: string, imsOrgId: string, actor: string): Promise<MappingView> {
  const instance = await getRegisteredInstance(ports.store, munchkinId);
  assertMappable(instance);
  const draft = { imsOrgId, enteredAt: new Date(ports.clock.now()).toISOString(), enteredBy: actor };
  await updateMapping(ports.store, munchkinId, (current) => ({ ...current, draft, lastAttempt: undefined }));
  return getMappingView(ports, munchkinId);
}

