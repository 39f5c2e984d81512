import type { Capability, FunctionDef, RouteDef, ScheduleDef } from './catalog-types';
import { healthCapability } from './health/catalog';
import { marketoInstancesCapability } from './marketo-instances/catalog';
import { orgMappingCapability } from './org-mapping/catalog';
import { pushCloneCapability } from './push-clone/catalog';
import { campaignCapability } from './campaign/catalog';
import { adminConsoleCapability } from './admin-console/catalog';

export type { Capability, FunctionDef, RouteDef, ScheduleDef } from './catalog-types';

/** Every capability orgbridge deploys. Add a capability's catalog here. */
const capabilities: Capability[] = [healthCapability, marketoInstancesCapability, orgMappingCapability, pushCloneCapability, campaignCapability, adminConsoleCapability];

export const functions: FunctionDef[] = capabilities.flatMap((c) => c.functions);
export const routes: RouteDef[] = capabilities.flatMap((c) => c.routes);
export const schedules: ScheduleDef[] = capabilities.flatMap((c) => c.schedules);

export function functionNamed(name: string): FunctionDef {
  const found = functions.find((f) => f.name === name);
  if (!found) throw new Error(`No function named ${name} in the catalog`);
  return found;
}
