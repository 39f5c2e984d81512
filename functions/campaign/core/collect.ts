import type { UmapiClient } from '#shared/umapi/index.ts';
import type { CursorState } from './cursor';
import type { AssociationMask } from './mask';
import { matchProfile, type LinkedProfile } from './profiles';

/** The Lambda is about to run out of time: save the cursor and let the next run go on at once. */
export class OutOfTimeError extends Error {
  constructor() {
    super('The sync ran out of time before finishing; it resumes from its cursor.');
    this.name = 'OutOfTimeError';
  }
}

/**
 * Pages the org's groups, keeping the profiles the mask matches. Mutates the
 * cursor state page by page, so whatever stops it (429, deadline) leaves a
 * state that resumes exactly where it stopped.
 */
export async function collectCandidates(client: UmapiClient, state: CursorState, mask: AssociationMask, timeLeft: () => boolean): Promise<void> {
  if (state.groupsPage === undefined) return;
  const pager = client.groups({ fromPage: state.groupsPage });
  for await (const page of pager) {
    for (const group of page.items) {
      const candidate = matchProfile(group, mask);
      if (candidate) state.candidates.push(candidate);
    }
    state.groupsPage = page.nextPage;
    if (page.nextPage !== undefined && !timeLeft()) throw new OutOfTimeError();
  }
  // The pager ends without a page on the "Not found" answer past the last page of groups.
  state.groupsPage = undefined;
}

/**
 * Pages the users of each linked profile, skipping profiles UMAPI lists with
 * no member: those calls could only return an empty page.
 */
export async function collectMembers(client: UmapiClient, state: CursorState, linked: LinkedProfile[], timeLeft: () => boolean): Promise<void> {
  const completed = new Set(state.completed);
  for (const { profile, memberCount } of linked) {
    if (completed.has(profile)) continue;
    if (!timeLeft()) throw new OutOfTimeError();
    const resuming = state.current?.profile === profile;
    const emails = resuming ? (state.members[profile] ?? []) : [];
    state.members[profile] = emails;
    if (memberCount !== 0) {
      state.current = { profile, page: resuming ? (state.current?.page ?? 0) : 0 };
      const pager = client.usersInGroup(profile, { fromPage: state.current.page });
      for await (const page of pager) {
        for (const user of page.items) if (isActive(user.status)) emails.push(user.email.toLowerCase());
        if (page.nextPage === undefined) break;
        state.current = { profile, page: page.nextPage };
        if (!timeLeft()) throw new OutOfTimeError();
      }
    }
    state.current = undefined;
    state.completed.push(profile);
    completed.add(profile);
  }
}

/** Disabled, locked or removed users must not keep Campaign rights; UMAPI leaves `status` out for active ones at times. */
function isActive(status: string | undefined): boolean {
  return status === undefined || status === 'active';
}
