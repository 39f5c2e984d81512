import { randomUUID } from 'node:crypto';
import type { Clock } from '#shared/clock.ts';
import { ConflictError } from '#shared/errors.ts';
import { createPkcePair, randomToken, type ImsClient } from '#shared/ims/index.ts';
import type { Store } from '#shared/store/index.ts';
import { saveAttempt, savePendingState } from '#functions/org-mapping/persistence/attempt-store.ts';
import { updateMapping } from '#shared/instances/org-mapping-store.ts';
import { assertMappable, getRegisteredInstance } from './mapping';
import { readOrgMapping } from '#shared/instances/org-mapping-store.ts';

export interface ConfirmationSettings {
  /** The one redirect URI registered for orgbridge's IMS credential. */
  redirectUri: string;
  scopes: string[];
  /** Origin of the admin page: the only window the popup reports to. */
  openerOrigin: string;
  attemptTtlMs: number;
}

export interface StartedConfirmation {
  attemptId: string;
  authorizeUrl: string;
  expiresAt: string;
}

/**
 * Confirm: opens an attempt with a single-use state (256 bits), a PKCE S256
 * pair and a nonce, and returns the IMS authorize URL for the popup. The
 * confirmed mapping, if any, is untouched until a sign-in passes every check.
 */
export async function startConfirmation(
  ports: { store: Store; clock: Clock; ims: Pick<ImsClient, 'authorizeUrl'> },
  munchkinId: string,
  marketoUserEmail: string,
  settings: ConfirmationSettings,
): Promise<StartedConfirmation> {
  const instance = await getRegisteredInstance(ports.store, munchkinId);
  assertMappable(instance);
  const mapping = await readOrgMapping(ports.store, munchkinId);
  if (!mapping?.draft) {
    throw new ConflictError('Enter the Adobe IMS org ID first (Edit, then OK), then Confirm.', { code: 'org_id_not_entered' });
  }
  const now = ports.clock.now();
  const attemptId = randomUUID();
  const state = randomToken(32);
  const nonce = randomToken(32);
  const pkce = createPkcePair();
  const expiresAtMs = now + settings.attemptTtlMs;
  await savePendingState(ports.store, state, {
    attemptId,
    munchkinId,
    imsOrgId: mapping.draft.imsOrgId,
    marketoUserEmail,
    codeVerifier: pkce.verifier,
    nonce,
    openerOrigin: settings.openerOrigin,
    expiresAtMs,
  });
  const createdAt = new Date(now).toISOString();
  await saveAttempt(ports.store, { attemptId, munchkinId, imsOrgId: mapping.draft.imsOrgId, status: 'pending', createdAt, expiresAtMs });
  await updateMapping(ports.store, munchkinId, (current) => ({ ...current, lastAttempt: { attemptId, status: 'pending', at: createdAt } }));
  const authorizeUrl = ports.ims.authorizeUrl({ redirectUri: settings.redirectUri, scope: settings.scopes, state, nonce, codeChallenge: pkce.challenge });
  return { attemptId, authorizeUrl, expiresAt: new Date(expiresAtMs).toISOString() };
}
