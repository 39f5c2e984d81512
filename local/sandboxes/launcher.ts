/**
 * How `npm start` (and end-to-end tests) start a vendor sandbox: on a port,
 * with the URLs of the others it needs, giving back its URL, the environment
 * variables that point orgbridge at it, and the demo identities to print.
 */
export interface SandboxLaunch {
  url: string;
  /** orgbridge configuration that points at this sandbox (e.g. IMS_BASE_URL). */
  env: Record<string, string>;
  /** Demo identities written to .local/endpoints.json. */
  identities: Record<string, unknown>;
  stop(): Promise<void>;
  /** The sandbox object itself, for sandboxes that others need in-process (IMS for UMAPI). */
  sandbox?: unknown;
}

export interface SandboxLauncher {
  name: string;
  /** Preferred port for `npm start` (0 = any free port). */
  defaultPort: number;
  start(input: {
    port: number;
    publicBaseUrl: string;
    others: Record<string, SandboxLaunch>;
    /**
     * Where a sandbox keeps its state across restarts (`<state dir>/sandboxes`),
     * through `SandboxServer.persistTo`; undefined for a throwaway (`--in-memory`) run.
     */
    stateDir?: string;
  }): Promise<SandboxLaunch>;
}
