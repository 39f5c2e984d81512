import './quiet-sdk-warning';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '#test/support/browser.ts';
import { consoleDemo, seedConsoleDemo } from './console-demo';
import { demo } from './demo-identities';
import { DemoClient, DemoMarketo } from './demo-steps';
import { repoRoot, startLocalRuntime } from './runtime';

/**
 * `npm run screenshots`: starts the whole of orgbridge in this process
 * (DynamoDB Local in memory, the sandboxes on free ports, no timers), fills
 * it with the admin console demo, and writes a PNG of each page under
 * docs/screenshots/ with Debian's Chromium.
 */
const outDir = join(repoRoot, 'docs', 'screenshots');
const stateDir = mkdtempSync(join(tmpdir(), 'orgbridge-screenshots-'));
mkdirSync(outDir, { recursive: true });
// The handlers' INFO lines would bury the script's own output.
process.env.LOG_LEVEL ??= 'WARN';

const runtime = await startLocalRuntime({ port: 0, stateDir, inMemory: true, anySandboxPort: true, timers: false });
const browser = await launchChromium();
try {
  const client = new DemoClient(runtime.url, runtime.adminToken);
  console.log('seeding the admin console demo');
  await seedConsoleDemo(client, runtime.sandboxes.ims!.url, new DemoMarketo(runtime.sandboxes.marketo!.identities as { restEndpoint: string; identityEndpoint: string }), runtime.sandboxes.campaign!.url);
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const open = async (path: string, ready: string) => {
    await page.goto(`${runtime.url}${path}#token=${runtime.adminToken}`);
    await page.locator(ready).first().waitFor({ state: 'visible', timeout: 15_000 });
  };
  const shoot = async (name: string) => {
    // The page's card and a margin of the background around it, however long the page is.
    const box = await page.locator('main').boundingBox();
    if (!box) throw new Error(`${name}: the page has no main element on screen`);
    await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true, clip: { x: box.x - 24, y: Math.max(0, box.y - 24), width: box.width + 48, height: box.height + 48 } });
    console.log(`docs/screenshots/${name}.png`);
  };

  const shots: Array<{ name: string; take: () => Promise<void> }> = [
    { name: 'admin-home', take: () => open('/admin', '#instances a') },
    { name: 'admin-instance', take: () => open(`/admin/instances/${demo.marketo.munchkinId}`, '#destinations a') },
    {
      name: 'admin-destination',
      take: async () => {
        await open(`/admin/destinations/${consoleDemo.webinar.destinationId}`, '#audiences tr');
        await page.locator('#person-email').fill('new.visitor@example.org');
        await page.getByRole('button', { name: 'Look up' }).click();
        await page.locator('#person-result section, #person-errors .notice').first().waitFor({ timeout: 10_000 });
      },
    },
    {
      name: 'admin-campaign',
      take: async () => {
        await open(`/admin/campaign/${consoleDemo.campaign.account}`, '#links tr');
        await page.getByRole('button', { name: 'Preview changes (dry run)' }).click();
        await page.locator('#diff table, #diff p').first().waitFor({ timeout: 15_000 });
      },
    },
    {
      // The mapping page while a new org ID waits for Confirm, beside the org in force.
      name: 'admin-org-mapping',
      take: async () => {
        await client.call('PUT', `/org-mapping/${demo.marketo.munchkinId}`, { imsOrgId: demo.otherOrg.id });
        await open(`/admin/org-mapping/${demo.marketo.munchkinId}`, '#draft-org-id');
      },
    },
  ];
  // `npm run screenshots -- admin-campaign` retakes only the pages named.
  const only = process.argv.slice(2);
  for (const shot of shots.filter((s) => only.length === 0 || only.includes(s.name))) {
    await shot.take();
    await shoot(shot.name);
  }
  await context.close();
} finally {
  await browser.close();
  await runtime.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
