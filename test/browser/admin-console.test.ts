import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleDemo, seedConsoleDemo } from '#local/console-demo.ts';
import { demo } from '#local/demo-identities.ts';
import { DemoClient, DemoMarketo, demoPerson } from '#local/demo-steps.ts';
import type { MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import type { LocalRuntime } from '#local/runtime.ts';
import { focused, seriousAccessibilityViolations } from '#test/support/admin-pages.ts';
import { BROWSER_WAIT_MS, launchChromium, startBrowserRuntime } from '#test/support/browser.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { deleteJob, recordJob, type BulkJob } from '#functions/push-clone/persistence/bulk-jobs.ts';

/**
 * The admin console as an admin uses it, in Debian's Chromium, against the
 * whole of orgbridge running locally and filled with the console demo over
 * the same HTTP routes (org mapped, two destinations pushed, a Campaign
 * account synced once and then given one more operator group).
 */
describe('the admin console in headless Chromium', () => {
  let runtime: LocalRuntime;
  let browser: Browser;
  let client: DemoClient;
  let marketo: DemoMarketo;
  let context: BrowserContext;

  beforeAll(async () => {
    runtime = await startBrowserRuntime('console');
    client = new DemoClient(runtime.url, runtime.adminToken);
    marketo = new DemoMarketo(runtime.sandboxes.marketo!.identities as { restEndpoint: string; identityEndpoint: string });
    await seedConsoleDemo(client, runtime.sandboxes.ims!.url, marketo, runtime.sandboxes.campaign!.url);
    browser = await launchChromium();
  }, 120_000);

  afterEach(async () => {
    await context?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  async function open(path: string, token = runtime.adminToken): Promise<Page> {
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${runtime.url}${path}#token=${token}`);
    return page;
  }

  const cell = (page: Page, row: string, count: string) => page.locator(`${row} td[data-count="${count}"]`).textContent();

  it('home: lists the instance with the org in force, and a keyboard user reaches its page', async () => {
    const page = await open('/admin');
    const row = page.locator(`#instances tr[data-munchkin-id="${demo.marketo.munchkinId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Demo Marketo instance');
    expect(await row.locator('td').nth(2).textContent()).toBe(`Mapped ${demo.org.id}`);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.locator('#change-token').focus();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe(`a:${demo.marketo.munchkinId}`);
    await Promise.all([page.waitForURL(`**/admin/instances/${demo.marketo.munchkinId}`), page.keyboard.press('Enter')]);
    await page.locator('#destinations tr[data-destination-id]').first().waitFor();
  });

  it('home: the Campaign form refuses a name that cannot be an account, then opens the account', async () => {
    const page = await open('/admin');
    await page.locator('#instances a').first().waitFor();
    await page.getByLabel('Campaign instance name').fill('not a name!');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#campaign-errors').textContent(), { timeout: BROWSER_WAIT_MS }).toContain('Enter the Campaign instance name');
    expect(await page.getByLabel('Campaign instance name').getAttribute('aria-invalid')).toBe('true');
    expect(await focused(page)).toBe('input#campaign-account');
    await page.getByLabel('Campaign instance name').fill(consoleDemo.campaign.account);
    await Promise.all([page.waitForURL(`**/admin/campaign/${consoleDemo.campaign.account}`), page.keyboard.press('Enter')]);
  });

  it('asks for a token when there is none or it is refused, and carries on with a pasted one', async () => {
    const page = await open('/admin', 'not-a-jwt');
    await expect.poll(() => page.locator('#token-problem').textContent(), { timeout: BROWSER_WAIT_MS }).toContain('The admin token was refused');
    expect(await page.locator('#page').isHidden()).toBe(true);
    expect(await focused(page)).toBe('input#token-input');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    // An empty paste is refused on the spot.
    await page.keyboard.press('Enter');
    expect(await page.locator('#token-problem').textContent()).toBe('Paste the admin token first.');
    await page.keyboard.type(runtime.adminToken);
    await page.keyboard.press('Enter');
    await page.locator('#instances a').first().waitFor();
    expect(await page.locator('#token-form').isHidden()).toBe(true);
  });

  it('instance: shows each destination with what happened to its people', async () => {
    const page = await open(`/admin/instances/${demo.marketo.munchkinId}`);
    const newsletter = page.locator(`#destinations tr[data-destination-id="${consoleDemo.newsletter.destinationId}"]`);
    await newsletter.waitFor();
    const cells = await newsletter.locator('td').allTextContents();
    // Destination, state, audiences, pending, added, removed, skipped, failed, last run.
    expect(cells.slice(1, 8)).toEqual(['Active', `${consoleDemo.newsletter.audienceId} → list ${demo.marketo.emptyListId}`, '0', '40', '4', '1', '0']);
    const webinar = await page.locator(`#destinations tr[data-destination-id="${consoleDemo.webinar.destinationId}"] td`).allTextContents();
    expect(webinar.slice(3, 8)).toEqual(['0', '3', '0', '2', '0']);
    expect(await page.locator('#instance').textContent()).toContain(demo.org.id);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('instance: sets up a new destination with the pickers, showing validation details until it is right', async () => {
    const page = await open(`/admin/instances/${demo.marketo.munchkinId}`);
    await page.locator('#destinations tr[data-destination-id]').first().waitFor();
    await page.getByLabel('New destination ID').fill('trade-show');
    await Promise.all([page.waitForURL('**/admin/destinations/trade-show?munchkinId=*'), page.getByRole('button', { name: 'Set up a destination' }).click()]);
    await expect.poll(() => page.locator('#page-title').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('New destination trade-show');
    expect(await page.locator('#status-part').isHidden()).toBe(true);
    await expect.poll(() => focused(page), { timeout: BROWSER_WAIT_MS }).toBe('input#setup-name');
    // The pickers come from the instance: its static lists and lead fields.
    const lists = await page.getByLabel('Marketo static list 1').locator('option').allTextContents();
    expect(lists).toEqual(expect.arrayContaining(['orgbridge demo list (1001)', 'orgbridge empty list (1002)']));
    expect(await page.getByLabel('Marketo field 1').inputValue()).toBe('firstName');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Saved with no name and no audience ID: every problem is named.
    await page.getByRole('button', { name: 'Save setup' }).click();
    const errors = page.locator('#setup-errors');
    await expect.poll(() => errors.textContent(), { timeout: BROWSER_WAIT_MS }).toContain('The request body is not valid.');
    const details = await errors.locator('li').allTextContents();
    expect(details).toEqual(expect.arrayContaining([expect.stringMatching(/^name: /), expect.stringMatching(/^audiences\.0\.audienceId: /)]));

    await page.getByLabel('Name', { exact: true }).fill('Trade show leads');
    await page.getByLabel('AEP audience ID 1').fill('9a1d7c55-2f4e-4b8a-8c3d-1e6f0a2b4c68');
    await page.getByLabel('Marketo static list 1').selectOption(String(demo.marketo.emptyListId));
    await page.getByRole('button', { name: 'Save setup' }).click();
    await expect.poll(() => page.locator('#setup-result').textContent(), { timeout: BROWSER_WAIT_MS }).toContain('Saved.');
    expect(await errors.textContent()).toBe('');
    expect(await page.locator('#status-part').isVisible()).toBe(true);
    await expect.poll(() => page.locator('#page-title').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('Destination Trade show leads');
    expect(await page.locator('#audiences tr').count()).toBe(1);
  });

  it('destination: shows per-audience counts, skips by reason, the calls spent today and the last run', async () => {
    const page = await open(`/admin/destinations/${consoleDemo.webinar.destinationId}`);
    const row = `#audiences tr[data-audience-id="${consoleDemo.webinar.audienceId}"]`;
    await page.locator(row).waitFor();
    expect(await cell(page, row, 'added')).toBe('3');
    expect(await cell(page, row, 'skipped')).toBe('2');
    expect(await cell(page, row, 'failed')).toBe('0');
    expect(await page.locator('#reasons table[data-kind="skips"] tr[data-code="not_found_in_marketo"] td').nth(2).textContent()).toBe('2');
    expect(Number((await page.locator('#calls-today').textContent())?.split(' ')[0])).toBeGreaterThan(0);
    expect(await page.locator('#last-run').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await page.locator('#state').textContent()).toBe('Active');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('destination: a bulk import in progress says where it stands beside the pending count', async () => {
    const { dynamodb, tableName } = runtime.endpoints as { dynamodb: string; tableName: string };
    const store = new Store({ tableName, client: createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamodb }) });
    // The instance's open job, as the runner leaves it while Marketo extracts the imported people's lead IDs.
    const job: BulkJob = {
      jobId: 'browser-bulk', state: 'extract-queued', munchkinId: demo.marketo.munchkinId, destinationId: consoleDemo.webinar.destinationId,
      audienceId: consoleDemo.webinar.audienceId, listId: demo.marketo.staticListId, people: 12_000, chunks: 0, submissions: 1, batchId: 4711,
      createdAt: '2026-11-30T10:00:00.000Z', learningSince: '2026-11-30T10:20:00.000Z', exportId: 'export-browser',
    };
    await recordJob(store, job, [], Math.floor(Date.now() / 1000) + 3600);
    try {
      const page = await open(`/admin/destinations/${consoleDemo.webinar.destinationId}`);
      const hint = page.locator(`#audiences tr[data-audience-id="${consoleDemo.webinar.audienceId}"] td[data-count="pending"] [data-bulk-import="extract-queued"]`);
      await hint.waitFor();
      expect(await hint.textContent()).toBe('12,000 in a bulk import since 2026-11-30 10:20 UTC: Imported; Marketo is extracting the lead IDs; the outcomes are recorded once it is done (at most an hour).');
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
    } finally {
      await deleteJob(store, job);
    }
  });

  it('destination: the person lookup explains an added, a removed and a skipped person, and says when no delivery named someone', async () => {
    const page = await open(`/admin/destinations/${consoleDemo.webinar.destinationId}`);
    await page.locator('#audiences tr').first().waitFor();
    const lookUp = async (email: string) => {
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.keyboard.press('Enter');
    };
    await lookUp('ben.okafor.1@example.com');
    const state = page.locator('#person-result .person-state');
    await expect.poll(() => state.first().textContent(), { timeout: BROWSER_WAIT_MS }).toMatch(/^added/);
    const kinds = await page.locator('#person-result table.history tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds).toContain('delivery');
    expect(kinds).toContain('marketo');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await lookUp('new.visitor@example.org');
    await expect.poll(() => state.first().textContent(), { timeout: BROWSER_WAIT_MS }).toMatch(/^skipped/);
    expect(await page.locator('#person-result').textContent()).toMatch(/not found|not_found_in_marketo/i);

    await lookUp('nobody.here@example.com');
    await expect.poll(() => page.locator('#person-errors').textContent(), { timeout: BROWSER_WAIT_MS }).not.toBe('');
    expect(await page.locator('#person-errors [data-code]').getAttribute('data-code')).toBe('person_not_found');
    expect(await page.locator('#person-result').textContent()).toBe('');

    await page.goto(`${runtime.url}/admin/destinations/${consoleDemo.newsletter.destinationId}`);
    await page.locator('#audiences tr').first().waitFor();
    await lookUp('demo.person.1@example.com');
    await expect.poll(() => state.first().textContent(), { timeout: BROWSER_WAIT_MS }).toMatch(/^removed/);
  });

  it('destination: a person Marketo refused shows the reason in words with samples; fixed in Marketo, the next activation adds them', async () => {
    const { destinationId, audienceId, twin } = consoleDemo.newsletter;
    const page = await open(`/admin/destinations/${destinationId}`);
    const row = `#audiences tr[data-audience-id="${audienceId}"]`;
    await page.locator(row).waitFor();
    expect(await cell(page, row, 'skipped')).toBe('1');
    const reason = page.locator('#reasons table[data-kind="skips"] tr[data-code="1007"] td');
    expect(await reason.nth(1).textContent()).toContain('Several Marketo people share this email');
    expect(await reason.nth(2).textContent()).toBe('1');
    expect(await reason.nth(3).textContent()).toBe(twin);
    // Nothing failed, so there is nothing to retry.
    expect(await page.locator('#retry-failed').isHidden()).toBe(true);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // The Marketo admin separates the two people; AEP sends the person again.
    await marketo.separateTwins(twin, 'samantha.twin@example.com');
    const added = Number(await cell(page, row, 'added'));
    await client.activate(destinationId, audienceId, [{ email: twin, firstName: 'Sam', lastName: 'Twin', company: 'Globex' }], 'realized');
    await client.pushUntilDone(destinationId);
    await page.reload();
    await expect.poll(() => cell(page, row, 'added'), { timeout: BROWSER_WAIT_MS }).toBe(String(added + 1));
    expect(await marketo.listEmails(demo.marketo.emptyListId)).toContain(twin);
    await page.getByLabel('Email', { exact: true }).fill(twin);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#person-result .person-state').first().textContent(), { timeout: BROWSER_WAIT_MS }).toMatch(/^added/);
    expect(await page.locator('#person-result').textContent()).toContain('1007');
  });

  /**
   * A destination whose mapping names a custom field that existed when it was
   * set up (setup refuses unknown fields) and that a Marketo admin then
   * deleted (Admin > Field Management): Marketo refuses its person with 1006.
   */
  async function destinationWithDeletedField(destinationId: string, audienceId: string, person: ReturnType<typeof demoPerson>) {
    const sandbox = runtime.sandboxes.marketo!.sandbox as MarketoSandbox;
    const listId = sandbox.addList(`orgbridge ${destinationId} list`).id;
    sandbox.addField('organisation');
    await client.call('PUT', `/push-clone/destinations/${destinationId}`, {
      name: `Retry demo ${destinationId}`,
      munchkinId: demo.marketo.munchkinId,
      personCreationMode: 'createMissing',
      fieldMappings: [
        { source: 'person.name.firstName', target: 'firstName' },
        { source: 'person.name.lastName', target: 'lastName' },
        { source: 'companyName', target: 'organisation' },
      ],
      audiences: [{ audienceId, mappingId: listId, startDate: '2026-01-01' }],
    });
    sandbox.removeField('organisation');
    await client.activate(destinationId, audienceId, [person], 'realized');
    await client.pushUntilDone(destinationId);
    return { sandbox, listId };
  }

  it('destination: a field the mapping names is gone from Marketo: the failure shows why; fixed, "Retry failed people" (keyboard only) and the next tick add the person, and the lookup tells the story', async () => {
    const audienceId = 'retry-audience';
    const person = demoPerson(800);
    const { sandbox, listId } = await destinationWithDeletedField('retry-demo', audienceId, person);

    const page = await open('/admin/destinations/retry-demo');
    const row = `#audiences tr[data-audience-id="${audienceId}"]`;
    await page.locator(row).waitFor();
    expect(await cell(page, row, 'failed')).toBe('1');
    expect(await cell(page, row, 'added')).toBe('0');
    const reason = page.locator('#reasons table[data-kind="failures"] tr[data-code="1006"] td');
    expect(await reason.nth(1).textContent()).toContain("Marketo has no lead field 'organisation'");
    expect(await reason.nth(2).textContent()).toBe('1');
    expect(await reason.nth(3).textContent()).toBe(person.email);
    expect(await page.locator('#retry-failed').isVisible()).toBe(true);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // The Marketo admin creates the field again; the orgbridge admin asks for a retry, with the keyboard alone.
    sandbox.addField('organisation');
    await page.locator('#retry-failed').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#action-result').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('1 failed people will be retried on the next run.');
    expect(await cell(page, row, 'pending')).toBe('1');
    expect(await cell(page, row, 'failed')).toBe('0');
    // Nothing failed any more, so the button goes and the keyboard lands on the next action.
    expect(await page.locator('#retry-failed').isHidden()).toBe(true);
    expect(await focused(page)).toBe('button#pause');

    // The runner's next tick (the local scheduler's endpoint) adds the person.
    await client.pushUntilDone('retry-demo');
    await page.reload();
    await expect.poll(() => cell(page, row, 'added'), { timeout: BROWSER_WAIT_MS }).toBe('1');
    expect(await cell(page, row, 'failed')).toBe('0');
    expect(await page.locator('#reasons').textContent()).toBe('No person failed or was skipped.');
    expect(await page.locator('#retry-failed').isHidden()).toBe(true);
    expect(await marketo.listEmails(listId)).toEqual([person.email]);
    expect(sandbox.leadsByEmail(person.email)[0]?.fields.organisation).toBe(person.company);

    // The person lookup explains it all: the delivery, Marketo's refusal and why, the wait, the retry, the addition.
    await page.getByLabel('Email', { exact: true }).fill(person.email);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#person-result .person-state').first().textContent(), { timeout: BROWSER_WAIT_MS }).toMatch(/^added/);
    const history = await page.locator('#person-result table.history tbody tr').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-kind')}: ${r.children[2]?.textContent}`));
    expect(history).toEqual([
      expect.stringMatching(/^delivery: (?=.*status realized)/),
      expect.stringMatching(/^marketo: (?=.*outcome failed)(?=.*code 1006)(?=.*Marketo has no lead field 'organisation')(?=.*retry the failed people)/),
      expect.stringMatching(/^decision: (?=.*action wait_for_admin)(?=.*reason 1006)/),
      expect.stringMatching(/^decision: (?=.*action requeue)(?=.*reason 1006)(?=.*An admin asked to retry the failed people\.)/),
      expect.stringMatching(/^marketo: (?=.*outcome added)/),
    ]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  }, 60_000);

  it('destination: the same failure fixed by correcting the field mapping in the setup form: the save requeues the person and the next tick adds them', async () => {
    const audienceId = 'mapping-fix-audience';
    const person = demoPerson(801);
    const { sandbox, listId } = await destinationWithDeletedField('mapping-fix-demo', audienceId, person);
    const page = await open('/admin/destinations/mapping-fix-demo');
    const row = `#audiences tr[data-audience-id="${audienceId}"]`;
    await page.locator(row).waitFor();
    expect(await cell(page, row, 'failed')).toBe('1');
    // The picker says the mapped field is not one of the instance's; the admin picks Marketo's own company field.
    const target = page.getByLabel('Marketo field 3');
    await expect.poll(() => target.locator('option:checked').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('organisation (not a field of this instance)');
    await target.selectOption('company');
    await page.getByRole('button', { name: 'Save setup' }).click();
    await expect.poll(() => page.locator('#setup-result').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('Saved. 1 failed people will be retried on the next run.');
    await client.pushUntilDone('mapping-fix-demo');
    await page.reload();
    await expect.poll(() => cell(page, row, 'added'), { timeout: BROWSER_WAIT_MS }).toBe('1');
    expect(await cell(page, row, 'failed')).toBe('0');
    expect(await page.locator('#retry-failed').isHidden()).toBe(true);
    expect(await marketo.listEmails(listId)).toEqual([person.email]);
    expect(sandbox.leadsByEmail(person.email)[0]?.fields.company).toBe(person.company);
  }, 60_000);

  it('destination: pause keeps new deliveries waiting, and resume pushes them (keyboard only)', async () => {
    const { destinationId, audienceId } = consoleDemo.newsletter;
    const page = await open(`/admin/destinations/${destinationId}`);
    const row = `#audiences tr[data-audience-id="${audienceId}"]`;
    await page.locator(row).waitFor();
    await page.locator('#pause').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#state').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('Paused: nothing is pushed, deliveries wait');
    expect(await focused(page)).toBe('button#resume');
    expect(await page.locator('#action-result').textContent()).toContain('nothing is lost');

    await client.activate(destinationId, audienceId, [demoPerson(900)], 'realized');
    await client.call('POST', '/_local/schedules/push-clone-tick/run');
    await expect
      .poll(async () => (await client.call('GET', `/push-clone/destinations/${destinationId}`)).audiences[0].pending, { timeout: BROWSER_WAIT_MS })
      .toBe(1);
    await page.reload();
    await expect.poll(() => cell(page, row, 'pending'), { timeout: BROWSER_WAIT_MS }).toBe('1');
    const addedWhilePaused = Number(await cell(page, row, 'added'));

    await page.locator('#resume').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#state').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('Active');
    expect(await focused(page)).toBe('button#pause');
    await client.pushUntilDone(destinationId);
    await page.reload();
    await expect.poll(() => cell(page, row, 'added'), { timeout: BROWSER_WAIT_MS }).toBe(String(addedWhilePaused + 1));
    expect(await cell(page, row, 'pending')).toBe('0');
  });

  it('destination: delete makes the admin choose what becomes of the lists, then removes only what it added (keyboard only)', async () => {
    await client.call('PUT', '/push-clone/destinations/short-lived', {
      name: 'Short-lived test',
      munchkinId: demo.marketo.munchkinId,
      personCreationMode: 'createMissing',
      audiences: [{ audienceId: 'short-lived-audience', mappingId: demo.marketo.staticListId, startDate: '2026-01-01' }],
    });
    const before = await marketo.listEmails(demo.marketo.staticListId);
    // The demo list's own five members (the three webinar attendees among them).
    expect(before).toHaveLength(5);
    await client.activate('short-lived', 'short-lived-audience', [demoPerson(700), demoPerson(701)], 'realized');
    await client.pushUntilDone('short-lived');
    expect(await marketo.listEmails(demo.marketo.staticListId)).toEqual([...before, demoPerson(700).email, demoPerson(701).email].sort());

    const page = await open('/admin/destinations/short-lived');
    await page.locator('#delete').waitFor();
    await page.locator('#delete').focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('#delete-dialog');
    await dialog.waitFor();
    expect(await focused(page)).toBe('input#lists-keep');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    // No default: Delete without a choice asks for one.
    await page.locator('#delete-confirm').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#delete-errors').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('Choose what becomes of the Marketo lists first.');
    expect(await dialog.isVisible()).toBe(true);
    // Escape closes it and nothing happens.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible(), { timeout: BROWSER_WAIT_MS }).toBe(false);
    expect(await focused(page)).toBe('button#delete');

    await page.keyboard.press('Enter');
    await page.locator('#lists-remove').focus();
    await page.keyboard.press('Space');
    await page.locator('#delete-confirm').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#action-result').textContent(), { timeout: BROWSER_WAIT_MS }).toContain('2 people this destination added are being removed');
    expect(await dialog.isVisible()).toBe(false);
    // The runner carries out the removals, then the destination is gone.
    await expect
      .poll(
        async () => {
          await client.call('POST', '/_local/schedules/push-clone-tick/run');
          return (await fetch(`${runtime.url}/push-clone/destinations/short-lived`, { headers: { authorization: `Bearer ${runtime.adminToken}` } })).status;
        },
        { timeout: BROWSER_WAIT_MS, interval: 1_000 },
      )
      .toBe(404);
    // Its two people left the list; the members it did not add (the demo list's own, the webinar's) stayed.
    expect(await marketo.listEmails(demo.marketo.staticListId)).toEqual(before);
  });

  it('campaign: shows a dry run as a table before anything is applied, then applies it (keyboard only)', async () => {
    const page = await open(`/admin/campaign/${consoleDemo.campaign.account}`);
    await page.locator('#links tr[data-group]').first().waitFor();
    expect(await page.locator('#links tr[data-group]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-group')))).toEqual(['admin', 'analyst']);
    expect(await page.locator('#history details').count()).toBe(1);
    expect(await page.locator('#apply').isHidden()).toBe(true);

    await page.locator('#dry-run').focus();
    await page.keyboard.press('Enter');
    const diff = page.locator('#diff table.diff tbody tr');
    await diff.first().waitFor();
    expect(await diff.allTextContents()).toEqual(['+ Link addeddeliverabilityCampaign - demo_tenant - deliverability']);
    // Campaign has no deliverability group (and no operator for one analyst): those users are listed apart with why, never counted as added.
    const unlinked = page.locator('#diff table.unmatched tbody tr[data-status]');
    expect(await unlinked.evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-status')} ${r.children[0]?.textContent} ${r.children[1]?.textContent}`))).toEqual([
      'operator_not_found analyst unverified.user@example.com',
      'group_not_found deliverability ana.lyst@example.com',
      'group_not_found deliverability dee.liver@example.com',
    ]);
    expect(await page.locator('#sync-result').textContent()).toBe('Dry run: 1 links added, 0 removed; 0 users added, 0 removed.');
    // Nothing has changed yet: the links are as they were, and the keyboard is on Apply.
    expect(await page.locator('#links tr[data-group]').count()).toBe(2);
    expect(await focused(page)).toBe('button#apply');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#sync-result').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('Applied: 1 links added, 0 removed; 0 users added, 0 removed.');
    await expect.poll(() => page.locator('#links tr[data-group]').count(), { timeout: BROWSER_WAIT_MS }).toBe(3);
    expect(await page.locator('#history details').count()).toBe(2);
    expect(await page.locator('#apply').isHidden()).toBe(true);
    expect(await focused(page)).toBe('button#dry-run');

    // A second dry run finds nothing left to change and says so, in the same status region.
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#sync-result').textContent(), { timeout: BROWSER_WAIT_MS }).toBe(
      'Nothing to change: Campaign already matches the Admin Console (3 Adobe users cannot be linked until Campaign has their operator or group; see below).',
    );
    expect(await page.locator('#diff').textContent()).toContain('No change: Campaign already matches the Admin Console.');
    expect(await unlinked.count()).toBe(3);
    expect(await page.locator('#apply').isHidden()).toBe(true);
    expect(await page.locator('#history details').count()).toBe(2);
  });

  it('campaign: an unknown account says so instead of showing an empty page', async () => {
    const page = await open('/admin/campaign/no-such-account');
    await expect.poll(() => page.locator('#alerts').textContent(), { timeout: BROWSER_WAIT_MS }).toContain('Campaign account no-such-account does not exist');
    expect(await page.locator('#alerts [data-code]').getAttribute('data-code')).toBe('campaign_account_not_found');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });
});
