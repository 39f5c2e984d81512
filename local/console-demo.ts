import { demo } from './demo-identities';
import { DemoMarketo, demoPerson, type DemoClient } from './demo-steps';

/** What the admin console demo holds, for the screenshots and the browser tests. */
export const consoleDemo = {
  newsletter: { destinationId: 'newsletter', audienceId: '5f2c1a7e-9b3d-4e8a-b1c6-0d4e7f8a9b21', people: 40, leaving: 4, twin: 'sam.twin@example.com' },
  webinar: { destinationId: 'webinar-follow-up', audienceId: 'c03e9d12-47aa-4f0b-9e21-6b8f2d5a7c44' },
  campaign: { account: 'acme-mkt-prod1', mask: 'Campaign - demo_tenant - (.*)', firstGroups: ['analyst', 'admin'], laterGroups: ['analyst', 'admin', 'deliverability'] },
} as const;

/**
 * Fills a fresh local orgbridge with the admin console's demo, through the
 * same HTTP routes an admin and AEP use: the demo instance mapped to the
 * demo org; a "create missing people" destination with people added, a
 * few removed, and one Marketo refuses because it holds two people with
 * that email (1007); a "match existing people only" destination where people
 * unknown to Marketo are skipped with their reason; a Campaign account synced
 * once, then given one more operator group so a dry run has something to show.
 */
export async function seedConsoleDemo(client: DemoClient, imsUrl: string, marketo: DemoMarketo, campaignUrl: string): Promise<void> {
  await client.mapDemoOrg();
  const { newsletter, webinar, campaign } = consoleDemo;

  await client.call('PUT', `/push-clone/destinations/${newsletter.destinationId}`, {
    name: 'Newsletter audience',
    description: 'Weekly newsletter subscribers from AEP',
    munchkinId: demo.marketo.munchkinId,
    personCreationMode: 'createMissing',
    audiences: [{ audienceId: newsletter.audienceId, mappingId: demo.marketo.emptyListId, startDate: '2026-01-01' }],
  });
  const people = Array.from({ length: newsletter.people }, (_, i) => demoPerson(i + 1));
  await marketo.createTwins(newsletter.twin, ['Sam', 'Samantha']);
  await client.activate(newsletter.destinationId, newsletter.audienceId, [...people, { email: newsletter.twin, firstName: 'Sam', lastName: 'Twin', company: 'Globex' }], 'realized');
  await client.pushUntilDone(newsletter.destinationId);
  await client.activate(newsletter.destinationId, newsletter.audienceId, people.slice(0, newsletter.leaving), 'exited');
  await client.pushUntilDone(newsletter.destinationId);

  await client.call('PUT', `/push-clone/destinations/${webinar.destinationId}`, {
    name: 'Webinar follow-up',
    description: 'Known leads who attended a webinar',
    munchkinId: demo.marketo.munchkinId,
    personCreationMode: 'matchExistingOnly',
    audiences: [{ audienceId: webinar.audienceId, mappingId: demo.marketo.staticListId, startDate: '2026-01-01' }],
  });
  // Marketo knows the first three (the demo instance's own leads); the other two it has never seen.
  const attendees = [
    { email: 'ben.okafor.1@example.com', firstName: 'Ben', lastName: 'Okafor', company: 'Globex' },
    { email: 'chloe.lindqvist.2@example.com', firstName: 'Chloe', lastName: 'Lindqvist', company: 'Initech' },
    { email: 'dev.rivera.3@example.com', firstName: 'Dev', lastName: 'Rivera', company: 'Umbrella "Labs"' },
    { email: 'new.visitor@example.org', firstName: 'Noa', lastName: 'Visitor', company: 'Example Corp' },
    { email: 'walk.in@example.org', firstName: 'Wes', lastName: 'Walkin', company: 'Example Corp' },
  ];
  await client.activate(webinar.destinationId, webinar.audienceId, attendees, 'realized');
  await client.pushUntilDone(webinar.destinationId);

  await client.call('PUT', `/campaign/accounts/${campaign.account}`, {
    imsServer: imsUrl,
    clientId: demo.serverToServerClient.clientId,
    clientSecret: demo.serverToServerClient.clientSecret,
    // The Campaign sandbox's instance access URL: the connector writes the links there (SOAP).
    callbackServer: campaignUrl,
    imsOrgId: demo.org.id,
    associationMask: campaign.mask,
    tenant: 'demo_tenant',
  });
  await client.call('PUT', `/campaign/accounts/${campaign.account}/operator-groups`, { operatorGroups: campaign.firstGroups });
  await client.call('POST', `/campaign/accounts/${campaign.account}/sync?dryRun=false`);
  await client.call('PUT', `/campaign/accounts/${campaign.account}/operator-groups`, { operatorGroups: campaign.laterGroups });
}
