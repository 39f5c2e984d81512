/**
 * The demo identities every local sandbox is seeded with, in one place, so
 * the Marketo, IMS and User Management sandboxes, `npm start`'s walk-through
 * and the tests agree. These are loopback-only demo values, not secrets.
 */
export const demo = {
  /** Our own IMS web-app credential (the org-mapping popup). */
  orgbridgeImsClient: { clientId: 'orgbridge-web', clientSecret: 'local-ims-web-secret' },
  /** A server-to-server IMS credential (Campaign sync, UMAPI). */
  serverToServerClient: { clientId: 'orgbridge-s2s', clientSecret: 'local-ims-s2s-secret' },
  org: { id: 'A1B2C3D4E5F6A7B8C9D0E1F2@AdobeOrg', name: 'Demo Org' },
  otherOrg: { id: '0123456789ABCDEF01234567@AdobeOrg', name: 'Other Org' },
  marketo: {
    munchkinId: '123-ABC-456',
    clientId: 'demo-marketo-client',
    clientSecret: 'local-marketo-secret',
    /** The Marketo admin who starts the mapping; the IMS org admin below has the same email. */
    adminEmail: 'marketing.admin@example.com',
    staticListId: 1001,
    emptyListId: 1002,
  },
  imsUsers: {
    orgAdmin: { email: 'marketing.admin@example.com', password: 'demo-admin', name: 'Morgan Admin' },
    member: { email: 'plain.member@example.com', password: 'demo-member', name: 'Pat Member' },
    otherOrgAdmin: { email: 'other.admin@example.net', password: 'demo-other', name: 'Olive Other' },
    unverified: { email: 'unverified.user@example.com', password: 'demo-unverified', name: 'Uma Unverified' },
  },
  /** The demo destination (`npm run demo:push`): every destination has its own webhook credentials. */
  aepDestinationId: 'demo-push',
  aepWebhookToken: 'local-aep-webhook-token-of-the-demo-push-destination',
  /** AEP's OAuth client for the demo destination's client-credentials option. */
  aepOAuthClient: { clientId: 'demo-push-aep-client', clientSecret: 'local-aep-oauth-client-secret-of-demo-push' },
} as const;
