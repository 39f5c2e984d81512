import { getMappingView, type MappingStatus } from '#functions/org-mapping/core/mapping.ts';
import type { Clock } from '#shared/clock.ts';
import { listInstances } from '#shared/instances/instance-store.ts';
import type { Store } from '#shared/store/index.ts';

export interface InstanceSummary {
  munchkinId: string;
  name: string;
  restEndpoint: string;
  identityEndpoint: string;
  hipaaReady: boolean;
  onboardedImsOrgId?: string;
  dailyQuota?: number;
  orgMapping: { status: MappingStatus; confirmedImsOrgId?: string };
}

/** The instances an admin's token covers (`instances`, or every one for `*`), each with its org-mapping state. */
export async function listInstanceSummaries(ports: { store: Store; clock: Clock }, allowed: readonly string[]): Promise<InstanceSummary[]> {
  const everyInstance = allowed.includes('*');
  const instances = (await listInstances(ports.store)).filter((instance) => everyInstance || allowed.includes(instance.munchkinId));
  return Promise.all(
    instances.map(async (instance) => {
      // The org-mapping page's own reading of the state, so the two never disagree.
      const mapping = await getMappingView(ports, instance.munchkinId);
      return {
        munchkinId: instance.munchkinId,
        name: instance.name,
        restEndpoint: instance.restEndpoint,
        identityEndpoint: instance.identityEndpoint,
        hipaaReady: instance.hipaaReady,
        onboardedImsOrgId: instance.onboardedImsOrgId,
        dailyQuota: instance.dailyQuota,
        orgMapping: { status: mapping.status, confirmedImsOrgId: mapping.imsOrgId },
      };
    }),
  );
}
