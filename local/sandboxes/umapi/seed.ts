import { demo } from '#local/demo-identities.ts';
import type { UmapiDirectory } from './directory';

export const CAMPAIGN_PRODUCT = 'Adobe Campaign';
export const demoProfiles = {
  analyst: 'Campaign - demo_tenant - analyst',
  admin: 'Campaign - demo_tenant - admin',
  deliverability: 'Campaign - demo_tenant - deliverability',
  /** Not a Campaign profile: the association mask must ignore it. */
  unrelated: 'Default All Apps plan - 100 GB configuration',
  /** A user group, not a product profile. */
  userGroup: 'Marketing Ops',
} as const;

/**
 * The demo org as the Admin Console would show it: Adobe's system groups
 * (`_org_admin`, `_product_admin_...`, `_admin_...`), three Campaign product
 * profiles matching the mask `Campaign - demo_tenant - (.*)`, an unrelated
 * profile and a user group; the IMS demo people plus a few more, each with
 * groups. The other org holds only its own admin.
 */
export function seedDemoOrgs(directory: UmapiDirectory): void {
  const org = directory.org(demo.org.id);
  org.addGroup({ groupName: '_org_admin', type: 'SYSADMIN_GROUP' });
  org.addGroup({ groupName: `_product_admin_${CAMPAIGN_PRODUCT}`, type: 'PRODUCT_ADMIN_GROUP', productProfileName: CAMPAIGN_PRODUCT });
  org.addGroup({ groupName: `_admin_${demoProfiles.admin}`, type: 'PROFILE_ADMIN_GROUP', productProfileName: demoProfiles.admin });
  org.addGroup({ groupName: demoProfiles.analyst, type: 'PRODUCT_PROFILE', productName: CAMPAIGN_PRODUCT, licenseQuota: 'UNLIMITED' });
  org.addGroup({ groupName: demoProfiles.admin, type: 'PRODUCT_PROFILE', productName: CAMPAIGN_PRODUCT, licenseQuota: 'UNLIMITED', adminGroupName: `_admin_${demoProfiles.admin}` });
  org.addGroup({ groupName: demoProfiles.deliverability, type: 'PRODUCT_PROFILE', productName: CAMPAIGN_PRODUCT, licenseQuota: '10' });
  org.addGroup({ groupName: demoProfiles.unrelated, type: 'PRODUCT_PROFILE', productName: 'All Apps plan - 100 GB', licenseQuota: '8' });
  org.addGroup({ groupName: demoProfiles.userGroup, type: 'USER_GROUP' });

  const { orgAdmin, member, unverified, otherOrgAdmin } = demo.imsUsers;
  org.addUser({ email: orgAdmin.email, firstname: 'Morgan', lastname: 'Admin', groups: ['_org_admin', demoProfiles.admin, demoProfiles.userGroup] });
  org.addUser({ email: member.email, firstname: 'Pat', lastname: 'Member', groups: [demoProfiles.analyst, demoProfiles.unrelated] });
  org.addUser({ email: unverified.email, firstname: 'Uma', lastname: 'Unverified', groups: [demoProfiles.analyst] });
  org.addUser({ email: 'ana.lyst@example.com', firstname: 'Ana', lastname: 'Lyst', groups: [demoProfiles.analyst, demoProfiles.deliverability] });
  org.addUser({ email: 'dee.liver@example.com', firstname: 'Dee', lastname: 'Liver', groups: [demoProfiles.deliverability] });
  org.addUser({ email: 'cam.owner@example.com', firstname: 'Cam', lastname: 'Owner', groups: [`_product_admin_${CAMPAIGN_PRODUCT}`, `_admin_${demoProfiles.admin}`], adminRoles: [CAMPAIGN_PRODUCT, demoProfiles.admin] });
  org.addUser({ email: 'designer@example.com', firstname: 'Dana', lastname: 'Designer', groups: [demoProfiles.unrelated, demoProfiles.userGroup] });

  const other = directory.org(demo.otherOrg.id);
  other.addGroup({ groupName: '_org_admin', type: 'SYSADMIN_GROUP' });
  other.addUser({ email: otherOrgAdmin.email, firstname: 'Olive', lastname: 'Other', domain: 'example.net', groups: ['_org_admin'] });
}
