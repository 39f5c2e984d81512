import { demo } from '#local/demo-identities.ts';
import type { CampaignInstance } from './instance';

/**
 * The demo Campaign instance, in step with the UMAPI sandbox's demo org:
 * operator groups `admin` (Campaign's built-in Administrator group) and
 * `analyst`, but no `deliverability` (its product profile stays unmatched);
 * operators for the demo people who have logged on to Campaign, named by
 * their email, except `unverified.user@example.com`, who never has; and
 * orgbridge's server-to-server credential as a technical account with the
 * ADMINISTRATION right (writing `xtk:operatorGroup` needs it).
 */
export const demoCampaign = {
  groups: ['admin', 'analyst', 'viewer'],
  operators: [demo.imsUsers.orgAdmin.email, demo.imsUsers.member.email, 'ana.lyst@example.com', 'dee.liver@example.com', 'cam.owner@example.com'],
  /** In the analyst product profile, but no operator in Campaign: reported, never created. */
  missingOperator: demo.imsUsers.unverified.email,
  /** A link made in Campaign by hand, not through orgbridge. */
  handMadeLink: { operator: 'dee.liver@example.com', group: 'viewer' },
} as const;

export function seedDemoInstance(instance: CampaignInstance): void {
  instance.addOperator({ name: 'admin', label: 'Administrator', rights: ['admin'] });
  for (const name of demoCampaign.groups) instance.addGroup({ name, label: name[0]?.toUpperCase() + name.slice(1) });
  for (const name of demoCampaign.operators) instance.addOperator({ name });
  instance.link('admin', 'admin');
  instance.link(demoCampaign.handMadeLink.operator, demoCampaign.handMadeLink.group);
  instance.addTechnicalAccount(demo.serverToServerClient.clientId, ['admin']);
}
