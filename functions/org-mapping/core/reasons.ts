/**
 * Every way a confirmation can end, with what the admin sees and the HTTP
 * status of the popup page. The order of the checks in `complete-confirmation.ts`
 * follows the order of this table.
 */
export const OUTCOMES = {
  mapped: { status: 200, message: 'The Marketo instance is now mapped to the Adobe organization. You can close this window.' },
  ims_error: { status: 400, message: 'Adobe sign-in did not complete: Adobe reported an error. Start again with Confirm.' },
  state_missing: { status: 400, message: 'This sign-in link is incomplete. Start again from the Adobe Organization Mapping page.' },
  state_invalid: { status: 400, message: 'This sign-in has already been used or was not started here. Start again with Confirm.' },
  state_expired: { status: 400, message: 'This sign-in took too long and expired. Start again with Confirm.' },
  code_missing: { status: 400, message: 'Adobe did not return an authorization code. Start again with Confirm.' },
  code_exchange_failed: { status: 400, message: 'Adobe refused to complete the sign-in (the code was already used or expired). Start again with Confirm.' },
  ims_unavailable: { status: 502, message: 'Adobe IMS could not be reached. Nothing was changed; try again in a few minutes.' },
  id_token_invalid: { status: 400, message: 'The Adobe sign-in could not be verified. Start again with Confirm.' },
  email_not_verified: { status: 403, message: 'Your Adobe email address is not verified. Verify it in your Adobe account, then try again.' },
  email_mismatch: { status: 403, message: 'The Adobe user and the Marketo user must use the same email address. Sign in to Adobe with your Marketo email.' },
  org_not_among_user_orgs: { status: 403, message: 'Your Adobe user does not belong to this organization. Marketo and your other Adobe apps must be in the same org.' },
  not_org_admin: { status: 403, message: 'You must be an Org Admin of this Adobe organization to map it. Ask an Org Admin to confirm the mapping.' },
  org_admin_check_failed: {
    status: 502,
    message: 'Adobe could not tell us whether you are an Org Admin of this organization (the User Management API failed). Nothing was changed; try again later, or ask the orgbridge operator to check its User Management API credential.',
  },
  no_user_management_credential: {
    status: 403,
    message: 'orgbridge has no User Management credential for this org: use profile-roles or add one. Ask the orgbridge operator; trying again will not help.',
  },
  hipaa_ready_instance: { status: 403, message: 'A HIPAA-ready Marketo instance cannot use Adobe Organization Mapping.' },
  org_id_read_only: { status: 409, message: 'This subscription is onboarded to the Adobe Business Platform: its org ID is set by Adobe and cannot be changed.' },
  instance_not_found: { status: 404, message: 'The Marketo instance of this sign-in is no longer registered.' },
  internal_error: { status: 500, message: 'Something went wrong on our side. Nothing was changed; start again with Confirm.' },
} as const;

export type OutcomeCode = keyof typeof OUTCOMES;
export type FailureCode = Exclude<OutcomeCode, 'mapped'>;

export function outcomeMessage(code: OutcomeCode): string {
  return OUTCOMES[code].message;
}

export function isOutcomeCode(value: string): value is OutcomeCode {
  return Object.hasOwn(OUTCOMES, value);
}
