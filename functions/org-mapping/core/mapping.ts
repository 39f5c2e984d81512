import type { Clock } from '../../../shared/clock';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../shared/errors';
import { readInstance, type MarketoInstance } from '../../../shared/instances/instance-store';
import { orgMappingKey, readOrgMapping, type OrgMapping } from '../../../shared/instances/org-mapping-store';
import { ConditionFailedError, type Store } from '../../../shared/store';
import { outcomeMessage } from './reasons';

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

export async function requireInstance(store: Store, munchkinId: string): Promise<MarketoInstance> {
  const instance = await readInstance(store, munchkinId);
  if (!instance) throw new NotFoundError('instance_not_found', `Marketo instance ${munchkinId} is not registered: register it with PUT /marketo/instances/${munchkinId}.`);
  return instance;
}

/** The rules that hold before any sign-in: HIPAA-ready instances and onboarded subscriptions cannot be mapped here. */
export function assertMappable(instance: MarketoInstance): void {
  if (instance.hipaaReady) throw new ForbiddenError('hipaa_ready_instance', outcomeMessage('hipaa_ready_instance'));
  if (instance.onboardedImsOrgId) throw new ConflictError('org_id_read_only', outcomeMessage('org_id_read_only'));
}

export async function getMappingView(store: Store, munchkinId: string): Promise<MappingView> {
  const instance = await requireInstance(store, munchkinId);
  const mapping = await readOrgMapping(store, munchkinId);
  const lastAttempt = mapping?.lastAttempt
    ? { ...mapping.lastAttempt, message: mapping.lastAttempt.reason ? messageFor(mapping.lastAttempt.reason) : undefined }
    : undefined;
  if (instance.onboardedImsOrgId) {
    return { munchkinId, status: 'mapped', readOnly: true, available: !instance.hipaaReady, imsOrgId: instance.onboardedImsOrgId };
  }
  return {
    munchkinId,
    status: statusOf(mapping),
    readOnly: false,
    available: !instance.hipaaReady,
    imsOrgId: mapping?.confirmed?.imsOrgId,
    confirmed: mapping?.confirmed,
    draft: mapping?.draft ? { imsOrgId: mapping.draft.imsOrgId, enteredAt: mapping.draft.enteredAt } : undefined,
    lastAttempt,
  };
}

function statusOf(mapping: OrgMapping | undefined): MappingStatus {
  if (mapping?.lastAttempt?.status === 'pending') return 'pending';
  if (mapping?.draft && mapping.lastAttempt?.status === 'failed') return 'failed';
  if (mapping?.draft) return 'draft';
  if (mapping?.confirmed) return 'mapped';
  return 'unmapped';
}

function messageFor(reason: string): string | undefined {
  try {
    return outcomeMessage(reason as Parameters<typeof outcomeMessage>[0]);
  } catch {
    return undefined;
  }
}

/** Edit, enter the org ID, OK: a draft beside any confirmed mapping, which stays in force. */
export async function enterOrgId(ports: { store: Store; clock: Clock }, munchkinId: string, imsOrgId: string, actor: string): Promise<MappingView> {
  const instance = await requireInstance(ports.store, munchkinId);
  assertMappable(instance);
  const draft = { imsOrgId, enteredAt: new Date(ports.clock.now()).toISOString(), enteredBy: actor };
  await updateMapping(ports.store, munchkinId, (current) => ({ ...current, draft, lastAttempt: undefined }));
  return getMappingView(ports.store, munchkinId);
}

/**
 * Read-modify-write of the mapping item, conditioned on its version so two
 * admins (or a callback and an edit) cannot overwrite each other unseen.
 */
export async function updateMapping(store: Store, munchkinId: string, change: (current: OrgMapping) => OrgMapping, attempts = 5): Promise<OrgMapping> {
  for (let attempt = 1; ; attempt += 1) {
    const current = (await readOrgMapping(store, munchkinId)) ?? { munchkinId, version: 0 };
    const next = { ...change(current), munchkinId, version: current.version + 1 };
    try {
      await store.put(
        { ...orgMappingKey(munchkinId), type: 'org-mapping', ...next },
        current.version === 0 ? { expression: 'attribute_not_exists(pk)' } : { expression: 'version = :v', values: { ':v': current.version } },
      );
      return next;
    } catch (error) {
      if (!(error instanceof ConditionFailedError) || attempt >= attempts) throw error;
    }
  }
}
