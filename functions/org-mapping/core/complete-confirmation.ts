import type { Clock } from '#shared/clock.ts';
import { IdTokenInvalidError, ImsRejectedError, ImsUnavailableError, NoUserManagementCredentialError, sameOrg, type ImsClient, type OrgAdminCheck } from '#shared/ims/index.ts';
import { canonicalEmail } from '#shared/identifiers.ts';
import { readInstance } from '#shared/instances/instance-store.ts';
import type { Store } from '#shared/store/index.ts';
import { UmapiRejectedError, UmapiThrottledError, UmapiUnavailableError } from '#shared/umapi/index.ts';
import { consumePendingState, readAttempt, saveAttempt, type PendingState } from '#functions/org-mapping/persistence/attempt-store.ts';
import { wasCancelled } from './cancel-confirmation';
import { updateMapping } from '#shared/instances/org-mapping-store.ts';
import type { FailureCode, OutcomeCode } from './reasons';

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
}

export interface CallbackPorts {
  store: Store;
  clock: Clock;
  ims: Pick<ImsClient, 'exchangeCode' | 'verifyIdToken' | 'userInfo' | 'organizations'>;
  orgAdminCheck: OrgAdminCheck;
  redirectUri: string;
}

export interface CallbackResult {
  outcome: OutcomeCode;
  attemptId?: string;
  munchkinId?: string;
  /** Where the popup may post the result; only known once the state checked out. */
  openerOrigin?: string;
  /** With outcome internal_error: what went wrong, for the handler to log (never shown). */
  error?: unknown;
}

/** A check that ends the attempt with a reason. */
class Refusal extends Error {
  constructor(readonly code: FailureCode) {
    super(code);
  }
}

/**
 * The IMS redirect: trusts nothing but the single-use state, then checks, in
 * order, the code exchange (PKCE), the ID token (JWKS, iss, aud, exp, nonce),
 * the email (verified, same as the Marketo user's), the org (among the
 * user's), org admin, and the instance rules. Tokens are used for the checks
 * and dropped; only the org ID, the Adobe `sub`, the Marketo email and the
 * time are kept. A failure records its reason and never touches the
 * confirmed mapping.
 */
export async function completeConfirmation(ports: CallbackPorts, query: CallbackQuery): Promise<CallbackResult> {
  if (!query.state) return { outcome: query.error ? 'ims_error' : 'state_missing' };
  const pending = await consumePendingState(ports.store, query.state);
  if (!pending) return { outcome: 'state_invalid' };
  const base = { attemptId: pending.attemptId, munchkinId: pending.munchkinId, openerOrigin: pending.openerOrigin };
  // Cancelled on the admin page: already recorded as such, and never mapped afterwards.
  if (await wasCancelled(ports.store, pending.attemptId)) return { ...base, outcome: 'cancelled' };
  try {
    const adobeUserSub = await runChecks(ports, pending, query);
    await recordSuccess(ports, pending, adobeUserSub);
    return { ...base, outcome: 'mapped' };
  } catch (error) {
    // The state is spent either way: record why, so the attempt never stays pending and the admin can start again.
    const code = refusalCode(error);
    await recordFailure(ports, pending, code);
    return code === 'internal_error' ? { ...base, outcome: code, error } : { ...base, outcome: code };
  }
}

async function runChecks(ports: CallbackPorts, pending: PendingState, query: CallbackQuery): Promise<string> {
  // TTL deletion is lazy: an expired state can still be in the table.
  if (pending.expiresAtMs <= ports.clock.now()) throw new Refusal('state_expired');
  if (query.error) throw new Refusal('ims_error');
  if (!query.code) throw new Refusal('code_missing');
  const tokens = await ports.ims.exchangeCode({ code: query.code, codeVerifier: pending.codeVerifier, redirectUri: ports.redirectUri });
  if (!tokens.idToken) throw new Refusal('id_token_invalid');
  const claims = await ports.ims.verifyIdToken(tokens.idToken, { nonce: pending.nonce });
  const user = await ports.ims.userInfo(tokens.accessToken);
  if (user.sub !== claims.sub) throw new Refusal('id_token_invalid');
  if (user.emailVerified !== true || !user.email) throw new Refusal('email_not_verified');
  if (canonicalEmail(user.email) !== canonicalEmail(pending.marketoUserEmail)) throw new Refusal('email_mismatch');
  const orgs = await ports.ims.organizations(tokens.accessToken);
  if (!orgs.some((org) => sameOrg(org.orgId, pending.imsOrgId))) throw new Refusal('org_not_among_user_orgs');
  const isAdmin = await ports.orgAdminCheck.isOrgAdmin({ orgId: pending.imsOrgId, accessToken: tokens.accessToken, sub: claims.sub, email: user.email });
  if (!isAdmin) throw new Refusal('not_org_admin');
  // The instance may have changed since Confirm was pressed.
  const instance = await readInstance(ports.store, pending.munchkinId);
  if (!instance) throw new Refusal('instance_not_found');
  if (instance.hipaaReady) throw new Refusal('hipaa_ready_instance');
  if (instance.onboardedImsOrgId) throw new Refusal('org_id_read_only');
  return claims.sub;
}

function refusalCode(error: unknown): FailureCode {
  if (error instanceof Refusal) return error.code;
  if (error instanceof IdTokenInvalidError) return 'id_token_invalid';
  if (error instanceof ImsRejectedError) return 'code_exchange_failed';
  if (error instanceof ImsUnavailableError) return 'ims_unavailable';
  if (error instanceof NoUserManagementCredentialError) return 'no_user_management_credential';
  if (error instanceof UmapiUnavailableError || error instanceof UmapiThrottledError || error instanceof UmapiRejectedError) return 'org_admin_check_failed';
  return 'internal_error';
}

async function recordSuccess(ports: CallbackPorts, pending: PendingState, adobeUserSub: string): Promise<void> {
  const at = new Date(ports.clock.now()).toISOString();
  await updateMapping(ports.store, pending.munchkinId, (current) => ({
    ...current,
    confirmed: { imsOrgId: pending.imsOrgId, adobeUserSub, marketoUserEmail: canonicalEmail(pending.marketoUserEmail), confirmedAt: at },
    // A draft entered after this attempt started is a newer intention: keep it.
    draft: current.draft?.imsOrgId === pending.imsOrgId ? undefined : current.draft,
    lastAttempt: { attemptId: pending.attemptId, status: 'mapped', at },
  }));
  await finishAttempt(ports, pending, 'mapped', undefined, at);
}

async function recordFailure(ports: CallbackPorts, pending: PendingState, reason: FailureCode): Promise<void> {
  const at = new Date(ports.clock.now()).toISOString();
  await updateMapping(ports.store, pending.munchkinId, (current) =>
    // Only the latest attempt speaks for the mapping; `confirmed` is never touched here.
    current.lastAttempt && current.lastAttempt.attemptId !== pending.attemptId ? current : { ...current, lastAttempt: { attemptId: pending.attemptId, status: 'failed', reason, at } },
  );
  await finishAttempt(ports, pending, 'failed', reason, at);
}

async function finishAttempt(ports: CallbackPorts, pending: PendingState, status: 'mapped' | 'failed', reason: string | undefined, at: string): Promise<void> {
  const attempt = await readAttempt(ports.store, pending.attemptId);
  if (!attempt) return;
  await saveAttempt(ports.store, { ...attempt, status, reason, finishedAt: at });
}
