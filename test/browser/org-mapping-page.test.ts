import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { startLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { launchChromium } from '#test/support/browser.ts';
import { dynamoEndpoint } from '#test/support/dynamo.ts';

/** Marketo's documented steps, as an admin does them: Edit, enter the org ID, OK, Confirm, sign in to Adobe in the popup. */
async function mapInBrowser(page: Page, runtime: LocalRuntime, person: { email: string; password: string }) {
  await page.goto(`${runtime.url}/admin/org-mapping/${demo.marketo.munchkinId}#token=${runtime.adminToken}`);
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Adobe IMS Org ID').fill(demo.org.id);
  await page.getByRole('button', { name: 'OK' }).click();
  await expect.poll(() => page.locator('#status').textContent()).toBe('draft');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Confirm' }).click()]);
  await popup.waitForURL(/\/ims\/authorize\/v2/);
  await popup.locator('#email').fill(person.email);
  await popup.locator('#password').fill(person.password);
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#result[data-outcome]').waitFor({ state: 'visible', timeout: 15_000 });
  return popup;
}

describe('the Adobe Organization Mapping admin page in headless Chromium', () => {
  let runtime: LocalRuntime;
  let browser: Browser;

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      port: 0,
      stateDir: mkdtempSync(join(tmpdir(), 'orgbridge-browser-')),
      dynamoEndpoint: dynamoEndpoint(),
      tableName: `browser-${Date.now()}`,
      anySandboxPort: true,
      timers: false,
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  it('maps the instance when the org admin signs in, and the popup closes itself', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const popup = await mapInBrowser(page, runtime, demo.imsUsers.orgAdmin);
    await expect.poll(() => page.locator('#result').getAttribute('data-outcome')).toBe('mapped');
    await expect.poll(() => page.locator('#status').textContent()).toBe('mapped');
    expect(await page.locator('#org-id').textContent()).toBe(demo.org.id);
    await expect.poll(() => popup.isClosed(), { timeout: 5_000 }).toBe(true);
    await page.getByRole('button', { name: 'Close' }).click();
    expect(await page.locator('#result').isHidden()).toBe(true);
    await page.screenshot({ path: join(tmpdir(), 'orgbridge-org-mapping-mapped.png') });
    await context.close();
  });

  it('shows the refusal reason when a plain member signs in, and keeps the mapping', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await mapInBrowser(page, runtime, demo.imsUsers.member);
    await expect.poll(() => page.locator('#result').getAttribute('data-outcome')).toBe('email_mismatch');
    expect(await page.locator('#result').textContent()).toContain('same email address');
    // The earlier confirmed mapping is still the one in force.
    expect(await page.locator('#org-id').textContent()).toBe(demo.org.id);
    await page.screenshot({ path: join(tmpdir(), 'orgbridge-org-mapping-refused.png') });
    await context.close();
  });

  it('falls back to polling when the popup cannot reach its opener', async () => {
    const context = await browser.newContext();
    // Cut every page's opener link before its scripts run, as a browser or identity provider may.
    await context.addInitScript(() => Object.defineProperty(window, 'opener', { value: null, configurable: true }));
    const page = await context.newPage();
    const popup = await mapInBrowser(page, runtime, demo.imsUsers.orgAdmin);
    await expect.poll(() => page.locator('#result').getAttribute('data-outcome')).toBe('mapped');
    // The popup could not post back, so it stayed open and showed the result itself.
    expect(popup.isClosed()).toBe(false);
    expect(await popup.locator('#message').getAttribute('data-outcome')).toBe('mapped');
    expect(await popup.locator('#closing').isHidden()).toBe(true);
    await context.close();
  });
});
