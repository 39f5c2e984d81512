import type { SandboxLauncher } from './launcher';
import { campaignLauncher, imsLauncher, marketoLauncher, umapiLauncher } from './launchers';

export type { SandboxLauncher, SandboxLaunch } from './launcher';

/** Every vendor sandbox `npm start` runs, in start order (later ones may use earlier ones). */
export const sandboxLaunchers: SandboxLauncher[] = [imsLauncher, umapiLauncher, marketoLauncher, campaignLauncher];
