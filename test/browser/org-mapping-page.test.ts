import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import type { LocalRuntime } from '#local/runtime.ts';
import { BROWSER_WAIT_MS, launchChromium, startBrowserRuntime } from '#test/support/browser.ts';
import { focused, seriousAccessibilityViolations } from '#test/support/admin-pages.ts';

/** Marketo's documented steps, as an admin does them: Edit, enter the org ID, OK, Confirm, sign in to Adobe in the popup. */
async function mapInBrowser(page: Page, runtime: LocalRuntime, person: { email: string; password: string }) {
  await page.goto(`${runtime.url}/admin/org-mapping/${demo.marketo.munchkinId}#token=${runtime.adminToken}`);
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Adobe IMS Org ID').fill(demo.org.id);
  await page.getByRole('button', { name: 'OK', exact: true }).click();
  await expect.poll(() => page.locator('#status').getAttribute('data-status'), { timeout: BROWSER_WAIT_MS }).toBe('draft');
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
    runtime = await startBrowserRuntime('browser');
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
    await expect.poll(() => page.locator('#result').getAttribute('data-outcome'), { timeout: BROWSER_WAIT_MS }).toBe('mapped');
    await expect.poll(() => page.locator('#status').getAttribute('data-status'), { timeout: BROWSER_WAIT_MS }).toBe('mapped');
    expect(await page.locator('#status').textContent()).toBe('Mapped');
    expect(await page.locator('#org-id').textContent()).toBe(demo.org.id);
    // The result is announced and the keyboard lands on Close.
    expect(await page.locator('#result').getAttribute('role')).toBe('status');
    expect(await focused(page)).toBe('button#close');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await expect.poll(() => popup.isClosed(), { timeout: BROWSER_WAIT_MS }).toBe(true);
    await page.getByRole('button', { name: 'Close' }).click();
    expect(await page.locator('#result').isHidden()).toBe(true);
    // Focus goes to what can be done next, never to the body.
    await expect.poll(() => focused(page), { timeout: BROWSER_WAIT_MS }).toBe('button#edit');
    await page.screenshot({ path: join(tmpdir(), 'orgbridge-org-mapping-mapped.png') });
    await context.close();
  });

  it('shows the refusal reason when a plain member signs in, and keeps the mapping', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await mapInBrowser(page, runtime, demo.imsUsers.member);
    await expect.poll(() => page.locator('#result').getAttribute('data-outcome'), { timeout: BROWSER_WAIT_MS }).toBe('email_mismatch');
    expect(await page.locator('#result').textContent()).toContain('same email address');
    // The earlier confirmed mapping is still the one in force, and the page says so rather than "failed".
    expect(await page.locator('#org-id').textContent()).toBe(demo.org.id);
    await expect.poll(() => page.locator('#status').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('Mapped');
    expect(await page.locator('#progress').textContent()).toContain(`The mapping to ${demo.org.id} stays in force.`);
    expect(await page.locator('#draft-org-id').textContent()).toBe(demo.org.id);
    await page.screenshot({ path: join(tmpdir(), 'orgbridge-org-mapping-refused.png') });
    await context.close();
  });

  it('falls back to polling when the popup cannot reach its opener', async () => {
    const context = await browser.newContext();
    // Cut every page's opener link before its scripts run, as a browser or identity provider may.
    await context.addInitScript(() => Object.defineProperty(window, 'opener', { value: null, configurable: true }));
    const page = await context.newPage();
    const popup = await mapInBrowser(page, runtime, demo.imsUsers.orgAdmin);
    await expect.poll(() => page.locator('#result').getAttribute('data-outcome'), { timeout: BROWSER_WAIT_MS }).toBe('mapped');
    // The popup could not post back, so it stayed open and showed the result itself.
    expect(popup.isClosed()).toBe(false);
    expect(await popup.locator('#message').getAttribute('data-outcome')).toBe('mapped');
    expect(await popup.locator('#closing').isHidden()).toBe(true);
    await context.close();
  });
  it('shows the org being confirmed beside the one in force, and Cancel sign-in ends an abandoned popup at once (keyboard only)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${runtime.url}/admin/org-mapping/${demo.marketo.munchkinId}#token=${runtime.adminToken}`);
    await expect.poll(() => page.locator('#status').getAttribute('data-status'), { timeout: BROWSER_WAIT_MS }).not.toBeNull();
    await page.locator('#edit').focus();
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('input#org-id-input');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(demo.otherOrg.id);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#status').getAttribute('data-status'), { timeout: BROWSER_WAIT_MS }).toBe('draft');
    // OK leads the keyboard to Confirm, the next step.
    await expect.poll(() => focused(page), { timeout: BROWSER_WAIT_MS }).toBe('button#confirm');
    expect(await page.locator('#org-id').textContent()).toBe(demo.org.id);
    expect(await page.locator('#draft-org-id').textContent()).toBe(demo.otherOrg.id);
    expect(await page.locator('#status').textContent()).toBe('Mapped');

    const [popup] = await Promise.all([page.waitForEvent('popup'), page.keyboard.press('Enter')]);
    await popup.waitForURL(/\/ims\/authorize\/v2/);
    await expect.poll(() => page.locator('#status').getAttribute('data-status'), { timeout: BROWSER_WAIT_MS }).toBe('pending');
    await expect.poll(() => focused(page), { timeout: BROWSER_WAIT_MS }).toBe('button#cancel-signin');
    expect(await page.locator('#progress').textContent()).toMatch(/^Waiting for the Adobe sign-in in the popup window \(it expires at \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // The admin gives up: no ten-minute wait for the state to expire.
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#status').getAttribute('data-status'), { timeout: BROWSER_WAIT_MS }).toBe('failed');
    await expect.poll(() => popup.isClosed(), { timeout: BROWSER_WAIT_MS }).toBe(true);
    expect(await page.locator('#progress').textContent()).toContain('cancelled');
    expect(await page.locator('#status').textContent()).toBe('Mapped');
    expect(await page.locator('#org-id').textContent()).toBe(demo.org.id);
    expect(await page.locator('#confirm').isVisible()).toBe(true);
    await expect.poll(() => focused(page), { timeout: BROWSER_WAIT_MS }).toBe('button#confirm');
    await context.close();
  });

  it('shows the details of a validation error next to the field, announced as an alert', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${runtime.url}/admin/org-mapping/${demo.marketo.munchkinId}#token=${runtime.adminToken}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Adobe IMS Org ID').fill('not-an-org');
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    const errors = page.locator('#edit-errors');
    await expect.poll(() => errors.textContent(), { timeout: BROWSER_WAIT_MS }).toContain('The request body is not valid.');
    expect(await errors.getAttribute('role')).toBe('alert');
    expect(await errors.locator('li').textContent()).toBe('imsOrgId: an IMS org ID looks like 0123456789ABCDEF01234567@AdobeOrg');
    expect(await page.getByLabel('Adobe IMS Org ID').getAttribute('aria-invalid')).toBe('true');
    expect(await focused(page)).toBe('input#org-id-input');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    // Cancel puts the keyboard back on Edit.
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    expect(await focused(page)).toBe('button#edit');
    await context.close();
  });

  it('leads a refused token to a clear message and a way to paste a new one, never to "loading"', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${runtime.url}/admin/org-mapping/${demo.marketo.munchkinId}#token=expired.or.forged`);
    const problem = page.locator('#token-problem');
    await expect.poll(() => problem.textContent(), { timeout: BROWSER_WAIT_MS }).toContain('The admin token was refused');
    expect(await problem.textContent()).not.toContain('REDACTED');
    expect(await page.locator('#page').isHidden()).toBe(true);
    expect(await focused(page)).toBe('input#token-input');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.keyboard.type(runtime.adminToken);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#status').getAttribute('data-status'), { timeout: BROWSER_WAIT_MS }).not.toBeNull();
    expect(await page.locator('#org-id').textContent()).toBe(demo.org.id);
    expect(await problem.textContent()).toBe('');
    await context.close();
  });
  it('says plainly when an instance cannot be mapped here: HIPAA-ready, or onboarded with an org set by Adobe', async () => {
    const marketo = runtime.sandboxes.marketo!.identities as { restEndpoint: string; identityEndpoint: string };
    const register = async (munchkinId: string, flags: Record<string, unknown>) => {
      const response = await fetch(`${runtime.url}/marketo/instances/${munchkinId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${runtime.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: munchkinId, ...marketo, clientId: demo.marketo.clientId, clientSecret: demo.marketo.clientSecret, hipaaReady: false, ...flags }),
      });
      expect(response.status).toBeLessThan(300);
    };
    await register('777-HIP-001', { hipaaReady: true });
    await register('777-ONB-001', { onboardedImsOrgId: demo.otherOrg.id });
    const context = await browser.newContext();
    const page = await context.newPage();

    await page.goto(`${runtime.url}/admin/org-mapping/777-HIP-001#token=${runtime.adminToken}`);
    await expect.poll(() => page.locator('#status').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('Not available: HIPAA-ready instances cannot use Adobe Organization Mapping');
    expect(await page.locator('#notice').textContent()).toBe('A HIPAA-ready Marketo instance cannot use Adobe Organization Mapping.');
    expect(await page.locator('#edit').isHidden()).toBe(true);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.goto(`${runtime.url}/admin/org-mapping/777-ONB-001`);
    await expect.poll(() => page.locator('#status').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('Mapped by Adobe (onboarded subscription, read-only)');
    expect(await page.locator('#org-id').textContent()).toBe(demo.otherOrg.id);
    expect(await page.locator('#notice').textContent()).toContain('read-only');
    expect(await page.locator('#edit').isHidden()).toBe(true);
    await context.close();
  });
});
