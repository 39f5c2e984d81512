import type { SandboxServer } from '#local/sandboxes/framework.ts';
import type { ImsDirectory } from './directory';
import type { ImsTokenService } from './tokens';

/** An OAuth error the authorize step answers with instead of a code (the `error=` redirect fault). */
export interface AuthorizeFault {
  error: string;
  description?: string;
}

/** What every route module of the IMS sandbox shares. */
export interface ImsSandboxContext {
  server: SandboxServer;
  directory: ImsDirectory;
  tokens: ImsTokenService;
  now: () => number;
  issuer: () => string;
  authorizeFault: { current?: AuthorizeFault };
}
