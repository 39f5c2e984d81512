import type { Clock } from '#shared/clock.ts';
import { NotFoundError } from '#shared/errors.ts';
import type { Store } from '#shared/store/index.ts';
import { canonicalEmail, keys, membershipSchema, type Destination, type Membership } from '#functions/push-clone/core/model.ts';
import { liveHistory, type HistoryEntry, type HistoryPolicy } from '#functions/push-clone/core/outcomes/person-history.ts';

export interface PersonAudience {
  audienceId: string;
  listId: number;
  current: {
    /** pending: a change waits for the runner; otherwise the last outcome (or none: never pushed). */
    state: 'pending' | 'added' | 'removed' | 'skipped' | 'failed' | 'expired' | 'none';
    /** The last delivery's status. */
    status: 'realized' | 'exited';
    qualificationTime: string;
    /** What the list holds for this person as far as we know. */
    inList: 'yes' | 'no' | 'never added';
    leadId?: number;
    reason?: string;
    message?: string;
    retryAt?: string;
  };
  history: HistoryEntry[];
}

/**
 * "Why is (or isn't) this person in this list?": per audience of the
 * destination, the membership as we believe it and the person's history
 * (kept within the history policy).
 */
export async function lookUpPerson(ports: { store: Store; clock: Clock }, destination: Destination, rawEmail: string, policy: HistoryPolicy): Promise<{ email: string; audiences: PersonAudience[] }> {
  const email = canonicalEmail(rawEmail);
  const items = await ports.store.getMany(destination.audiences.map((audience) => keys.membership(destination.destinationId, audience.audienceId, email)));
  const byAudience = new Map(items.map((item) => membershipSchema.parse(item)).map((membership) => [membership.audienceId, membership]));
  const audiences = destination.audiences.flatMap((audience) => {
    const membership = byAudience.get(audience.audienceId);
    return membership ? [{ audienceId: audience.audienceId, listId: audience.listId, current: currentOf(membership), history: liveHistory(membership.hist, ports.clock.now(), policy) }] : [];
  });
  if (audiences.length === 0) {
    throw new NotFoundError(`No delivery to destination ${destination.destinationId} named ${email}: AEP has not activated this person for its audiences (or the destination was saved after).`, { code: 'person_not_found' });
  }
  return { email, audiences };
}

function currentOf(membership: Membership): PersonAudience['current'] {
  const { outcome } = membership;
  const queued = membership.gsi1pk?.startsWith('PUSH#') === true;
  const state = queued && !outcome?.retryAt ? 'pending' : (outcome?.kind ?? 'none');
  return {
    state,
    status: membership.desired === 'in' ? 'realized' : 'exited',
    qualificationTime: new Date(membership.qualifiedAt).toISOString(),
    inList: membership.applied === 'in' ? 'yes' : membership.applied === 'out' ? 'no' : 'never added',
    ...(membership.leadId !== undefined ? { leadId: membership.leadId } : {}),
    ...(outcome?.reason ? { reason: outcome.reason } : {}),
    ...(outcome?.message ? { message: outcome.message } : {}),
    ...(outcome?.retryAt && queued ? { retryAt: outcome.retryAt } : {}),
  };
}
