import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { dynamoEndpoint } from './dynamo';

/** Debian's Chromium; `.ci/run` installs it (never a downloaded browser build). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: apt-get install -y chromium (bash .ci/run does it).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * How long a browser test waits for the page to reach a state. Generous: the
 * tests share a small machine, and a wait that ends early fails (it never
 * passes wrongly).
 */
export const BROWSER_WAIT_MS = 15_000;

/**
 * The whole of orgbridge running locally for a browser test, as `npm start`
 * runs it: on the run's DynamoDB Local (a table of its own), sandboxes on any
 * free port, state in a temporary folder, and no timers (the test drives it).
 */
export function startBrowserRuntime(label: string): Promise<LocalRuntime> {
  return startLocalRuntime({
    port: 0,
    stateDir: mkdtempSync(join(tmpdir(), `orgbridge-${label}-`)),
    dynamoEndpoint: dynamoEndpoint(),
    tableName: `${label}-${Date.now()}`,
    anySandboxPort: true,
    timers: false,
  });
}
