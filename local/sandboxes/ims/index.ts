import { generateKeyPair, type JWTPayload } from 'jose';
import { SandboxServer } from '#local/sandboxes/framework.ts';
import { installAuthorizeRoutes } from './authorize';
import type { AuthorizeFault, ImsSandboxContext } from './context';
import { ImsDirectory, type ImsClientRegistration, type ImsOrg, type NewImsUser } from './directory';
import { installResourceRoutes } from './resources';
import { defaultClients, defaultOrgs, defaultUsers } from './seed';
import { installTokenRoute } from './token-endpoint';
import { ImsTokenService, type AccessTokenInfo, type IssuedCode } from './tokens';

export type { AuthorizeFault } from './context';
export type { ImsClientRegistration, ImsOrg, ImsOrgMembership, ImsUser, NewImsUser } from './directory';
export { ImsDirectory, stableSub } from './directory';
export { serverToServerScopes } from './seed';
export type { AccessTokenInfo, IssuedCode } from './tokens';

export interface ImsSandboxOptions {
  /** The one redirect URI registered for our web credential. */
  redirectUri?: string;
  /** Where IMS sends the person when redirect_uri is missing or does not match. */
  defaultRedirectUri?: string;
  /** Replace the default credentials / orgs / people (local/demo-identities.ts). */
  clients?: ImsClientRegistration[];
  orgs?: ImsOrg[];
  users?: NewImsUser[];
  /** ID token `iss`; by default the sandbox's own base URL, as Adobe's discovery names its host. */
  issuer?: string;
  /** Life of an authorization code (Adobe: "short-lived"). */
  codeTtlSeconds?: number;
  /** Epoch ms; a test clock moves codes and tokens towards expiry. */
  now?: () => number;
}

export const DEFAULT_REDIRECT_URI = 'https://localhost/orgbridge/ims/callback';
export const DEFAULT_FALLBACK_REDIRECT_URI = 'https://localhost/orgbridge/';

export interface ImsSandbox {
  server: SandboxServer;
  directory: ImsDirectory;
  /** The `iss` of every ID token (and the discovery document). */
  issuer(): string;
  jwksUrl(): string;
  /** For resource servers (the UMAPI sandbox): what a bearer token grants, or undefined when it is not valid now. */
  introspect(accessToken: string): AccessTokenInfo | undefined;
  /** Every authorization code handed out so far, with `usedAt` once redeemed. */
  issuedCodes(): IssuedCode[];
  /** Makes the authorize step redirect with `error=` (e.g. access_denied) until called with undefined. */
  failAuthorizeWith(fault: AuthorizeFault | undefined): void;
  /** Signs any claims with the sandbox's key, or a foreign key, so tests can prove verification fails. */
  signJwt(claims: JWTPayload, options?: { foreignKey?: boolean }): Promise<string>;
  /** Vendor calls answered on one path (e.g. '/ims/token/v3'). */
  callCount(path: string): number;
}

export function createImsSandbox(options: ImsSandboxOptions = {}): ImsSandbox {
  const server = new SandboxServer('ims');
  const now = options.now ?? Date.now;
  const issuer = () => options.issuer ?? server.baseUrl;
  const directory = new ImsDirectory();
  const redirects = {
    redirectUri: options.redirectUri ?? DEFAULT_REDIRECT_URI,
    defaultRedirectUri: options.defaultRedirectUri ?? DEFAULT_FALLBACK_REDIRECT_URI,
  };
  for (const client of options.clients ?? defaultClients(redirects)) directory.registerClient(client);
  for (const org of options.orgs ?? defaultOrgs()) directory.addOrg(org);
  for (const user of options.users ?? defaultUsers()) directory.addUser(user);

  const tokens = new ImsTokenService(now, options.codeTtlSeconds ?? 300, issuer);
  const context: ImsSandboxContext = { server, directory, tokens, now, issuer, authorizeFault: {} };
  installResourceRoutes(context);
  installAuthorizeRoutes(context);
  installTokenRoute(context);

  server
    .defineFault('500', () => ({ status: 500, body: { error: 'server_error', error_description: 'Internal error' } }))
    .defineFault('503', () => ({ status: 503, headers: { 'retry-after': '30' }, body: { error: 'temporarily_unavailable', error_description: 'Service unavailable' } }))
    .defineFault('timeout', () => 'hang');

  let foreignKey: ReturnType<typeof generateKeyPair> | undefined;
  return {
    server,
    directory,
    issuer,
    jwksUrl: () => `${server.baseUrl}/ims/keys`,
    introspect: (accessToken) => tokens.introspect(accessToken),
    issuedCodes: () => [...tokens.codes.values()].map((code) => ({ ...code, accessTokens: [...code.accessTokens] })),
    failAuthorizeWith: (fault) => {
      context.authorizeFault.current = fault;
    },
    signJwt: async (claims, signOptions = {}) => {
      if (!signOptions.foreignKey) return tokens.sign(claims);
      foreignKey ??= generateKeyPair('RS256');
      // Same kid as the real key: only the signature can tell them apart.
      return tokens.sign(claims, { key: (await foreignKey).privateKey });
    },
    callCount: (path) => server.calls.filter((call) => call.path === path).length,
  };
}
