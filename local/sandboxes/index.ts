import type { SandboxLauncher } from './launcher';

export type { SandboxLauncher, SandboxLaunch } from './launcher';

/** Every vendor sandbox `npm start` runs, in start order (later ones may use earlier ones). */
export const sandboxLaunchers: SandboxLauncher[] = [];
