import { isEnded } from '#functions/push-clone/core/instance/destination-state.ts';
import { isPendingState, type Destination, type Membership } from '#functions/push-clone/core/model.ts';
import type { WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

/**
 * Decides what to do with one due membership. Returns undefined for people of
 * a stopped or paused destination: they stay pending, untouched, until it is
 * saved again or resumed.
 */
export function planMembership(membership: Membership, destinations: ReadonlyMap<string, Destination>, now: number): WorkItem | undefined {
  const destination = destinations.get(membership.destinationId);
  if (!destination) {
    // The destination was deleted: nothing will ever push this change.
    const orphan = { audienceId: membership.audienceId, listId: 1, startDate: '' };
    return { membership, destination: placeholderDestination(membership), audience: orphan, action: 'expire', reason: 'destination_not_found' };
  }
  // Stopped (config error), paused by an admin, or being deleted (runner/deletions.ts handles its people): the change waits.
  if (destination.state === 'stopped' || destination.paused || destination.deletion) return undefined;
  const audience = destination.audiences.find((candidate) => candidate.audienceId === membership.audienceId);
  if (!audience) {
    const orphan = { audienceId: membership.audienceId, listId: 1, startDate: '' };
    return { membership, destination, audience: orphan, action: 'expire', reason: 'audience_not_mapped' };
  }
  const base = { membership, destination, audience };
  if (isEnded(audience.endDate, now)) {
    // removeMembers: whoever we put in the list leaves it; every other change is dropped.
    if (destination.endDateBehavior === 'removeMembers' && membership.applied === 'in') return { ...base, action: 'remove', reason: 'end_date' };
    return isPendingState(membership.desired, membership.applied) ? { ...base, action: 'expire', reason: 'end_date' } : { ...base, action: 'in_step' };
  }
  if (!isPendingState(membership.desired, membership.applied)) return { ...base, action: 'in_step' };
  return { ...base, action: membership.desired === 'in' ? 'add' : 'remove' };
}

function placeholderDestination(membership: Membership): Destination {
  return {
    destinationId: membership.destinationId,
    name: '(deleted)',
    munchkinId: membership.munchkinId,
    imsOrgId: '',
    personCreationMode: 'matchExistingOnly',
    identityNamespace: 'Email',
    fieldMappings: [],
    endDateBehavior: 'freeze',
    audiences: [],
    state: 'stopped',
    createdAt: '',
    updatedAt: '',
  };
}
