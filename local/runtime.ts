import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { config as readConfig, resetConfigCache } from '#shared/config/index.ts';
import { signAdminToken } from '#shared/http/index.ts';
import { defaultPorts, resetDefaultPorts } from '#shared/runtime/ports.ts';
import { setLocalInvoker } from '#shared/runtime/invoker.ts';
import { SecretNotFoundError } from '#shared/secrets/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { ensureTable } from '#shared/store/create-table.ts';
import { functionNamed, schedules } from '#functions/catalog.ts';
import { demo } from './demo-identities';
import { registerInstance } from '#functions/marketo-instances/core/register-instance.ts';
import { freePort, startDynamoLocal, type DynamoLocal } from './dynamodb-local';
import { startGateway, type LocalGateway } from './gateway/server';
import { loadHandler } from './gateway/handlers';
import { storeCredentialSet } from '#functions/push-clone/core/setup/webhook-credentials.ts';
import { localLambdaContext } from './gateway/lambda-context';
import { sandboxLaunchers, type SandboxLaunch } from './sandboxes';
import { startScheduler, type LocalScheduler } from './scheduler';

/** The development admin token of `npm start` is short-lived; `npm run admin-token -- --local ...` mints another. */
export const DEV_TOKEN_LIFETIME = '8h';

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface LocalRuntimeOptions {
  port: number;
  /** Where .local lives (data, secrets, endpoints.json). */
  stateDir: string;
  /** Keep DynamoDB in memory instead of under stateDir (tests). */
  inMemory?: boolean;
  /** Reuse a running DynamoDB Local instead of starting one. */
  dynamoEndpoint?: string;
  tableName?: string;
  /** Start each sandbox on any free port instead of its default one (tests). */
  anySandboxPort?: boolean;
  /** Fire schedules on their timers (off in tests, which fire them on demand). */
  timers?: boolean;
  /** Told as each startup step completes (npm start prints a line per step). */
  onStep?: (message: string) => void;
}

/** A port someone else holds: say which setting moves ours. */
export class PortInUseError extends Error {}

/** Fails fast, before the slow steps, when a port we are told to use is taken. */
async function assertPortFree(port: number, what: string, setting: string): Promise<void> {
  if (port === 0) return;
  await onPort(
    () =>
      new Promise<void>((resolve, reject) => {
        const probe = createServer();
        probe.once('error', reject);
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
      }),
    port,
    what,
    setting,
  );
}

async function onPort<T>(start: () => Promise<T>, port: number, what: string, setting: string): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(`Port ${port} (${what}) is already in use: ${setting}.`);
    throw error;
  }
}

export interface LocalRuntime {
  url: string;
  endpoints: Record<string, unknown>;
  adminToken: string;
  scheduler: LocalScheduler;
  sandboxes: Record<string, SandboxLaunch>;
  stop(): Promise<void>;
}

/**
 * The whole of orgbridge on one machine: DynamoDB Local, the vendor
 * sandboxes, the gateway serving the Lambda handlers, and the scheduler.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const stateDir = resolve(options.stateDir);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const stoppers: Array<() => Promise<void>> = [];
  const startedAt = Date.now();
  const step = (message: string) => options.onStep?.(`${message} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
  const stop = async () => {
    setLocalInvoker(undefined);
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
  };
  try {
    await assertPortFree(options.port, 'the local gateway', `set PORT to a free port, e.g. PORT=${options.port + 1} npm start`);
    if (!options.anySandboxPort) {
      for (const launcher of sandboxLaunchers) {
        await assertPortFree(launcher.defaultPort, `${launcher.name} sandbox`, 'set ORGBRIDGE_SANDBOX_PORTS=any to start the sandboxes on free ports');
      }
    }
    let dynamo: DynamoLocal | undefined;
    if (!options.dynamoEndpoint) {
      options.onStep?.('starting DynamoDB Local (Java; the slowest step)...');
      dynamo = await startDynamoLocal(options.inMemory ? {} : { dataDir: join(stateDir, 'dynamodb') });
      stoppers.push(dynamo.stop);
      step(`DynamoDB Local on ${dynamo.endpoint}${options.inMemory ? ' (in memory)' : ` (data under ${options.stateDir}/dynamodb)`}`);
    }
    const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;
    const port = options.port === 0 ? await freePort() : options.port;
    const publicBaseUrl = `http://127.0.0.1:${port}`;

    const sandboxes: Record<string, SandboxLaunch> = {};
    for (const launcher of sandboxLaunchers) {
      const sandboxPort = options.anySandboxPort ? 0 : launcher.defaultPort;
      const launched = await onPort(
        () => launcher.start({ port: sandboxPort, publicBaseUrl, others: sandboxes, stateDir: options.inMemory ? undefined : join(stateDir, 'sandboxes') }),
        sandboxPort,
        `${launcher.name} sandbox`,
        'set ORGBRIDGE_SANDBOX_PORTS=any to start the sandboxes on free ports',
      );
      sandboxes[launcher.name] = launched;
      stoppers.push(launched.stop);
      step(`${launcher.name} sandbox on ${launched.url}`);
    }

    Object.assign(process.env, {
      STAGE: 'local',
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Metrics go to CloudWatch through the log on AWS; locally they would only clutter the console.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      TABLE_NAME: options.tableName ?? 'orgbridge-local',
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      SECRETS_BACKEND: 'file',
      LOCAL_SECRETS_FILE: join(stateDir, 'secrets.json'),
      PUBLIC_BASE_URL: publicBaseUrl,
      ...Object.assign({}, ...Object.values(sandboxes).map((s) => s.env)),
    });
    resetConfigCache();
    resetDefaultPorts();
    const config = readConfig();
    await ensureTable(createDynamoClient(config), config.TABLE_NAME);
    step(`table ${config.TABLE_NAME} ready`);
    const { secrets } = defaultPorts();
    const adminKey = await secretOrCreate(secrets, config.ADMIN_JWT_SECRET_NAME, () => randomBytes(32).toString('base64url'));
    await secrets.put(config.IMS_CLIENT_SECRET_NAME, demo.orgbridgeImsClient.clientSecret);
    // The demo destination's own webhook credentials (known values, so demo:push and the walk-through can use them).
    const createdAt = new Date().toISOString();
    await storeCredentialSet(secrets, demo.aepDestinationId, {
      bearerTokens: [{ id: 'demo', token: demo.aepWebhookToken, createdAt }],
      oauthClients: [{ ...demo.aepOAuthClient, createdAt }],
    });
    await secrets.put(config.UMAPI_CLIENT_SECRET_NAME, demo.serverToServerClient.clientSecret);
    const adminToken = await signAdminToken(
      adminKey,
      { sub: 'local-admin', email: demo.marketo.adminEmail, instances: ['*'], permissions: ['org-mapping', 'marketo-admin', 'push-clone-admin', 'campaign-admin'] },
      { issuer: config.ADMIN_JWT_ISSUER, audience: config.ADMIN_JWT_AUDIENCE, expiresIn: DEV_TOKEN_LIFETIME },
    );

    step('secrets in .local/secrets.json, development admin token minted');
    await seedDemoData(sandboxes);
    step('demo Marketo instance registered');

    // Fan-out targets run in this process, without being awaited by the caller, as an async invoke would.
    const inFlight = new Set<Promise<unknown>>();
    setLocalInvoker({
      invokeAsync: async (functionName, payload) => {
        const fn = functionNamed(functionName);
        const run = loadHandler(fn, repoRoot)
          .then((handler) => handler(payload, localLambdaContext(fn)))
          .catch((error: unknown) => console.error(`local invoke of ${functionName} failed: ${(error as Error).message}`));
        inFlight.add(run);
        void run.finally(() => inFlight.delete(run));
      },
    });
    stoppers.push(async () => {
      await Promise.allSettled([...inFlight]);
    });

    const scheduler = startScheduler({
      root: repoRoot,
      enabled: options.timers ?? true,
      onError: (schedule, error) => console.error(`schedule ${schedule.name} failed: ${(error as Error).message}`),
    });
    stoppers.push(scheduler.stop);

    const gateway: LocalGateway = await onPort(() => startGateway({
      port,
      root: repoRoot,
      extraRoutes: async ({ method, url }) => {
        const match = /^\/_local\/schedules\/([A-Za-z0-9-]+)\/run$/.exec(url.pathname);
        if (!match) return undefined;
        if (method !== 'POST') return { status: 405, body: { error: { code: 'method_not_allowed', message: 'Use POST.' } } };
        const name = match[1] ?? '';
        if (!schedules.some((s) => s.name === name)) {
          return { status: 404, body: { error: { code: 'schedule_not_found', message: `No schedule named ${name}. Known: ${schedules.map((s) => s.name).join(', ') || 'none'}.` } } };
        }
        return { status: 200, body: { schedule: name, result: await scheduler.run(name) } };
      },
    }), port, 'the local gateway', `set PORT to a free port, e.g. PORT=${port + 1} npm start`);
    stoppers.push(gateway.stop);
    step(`gateway on ${gateway.url}, scheduler ${options.timers ?? true ? 'firing' : 'idle'}`);

    const endpoints = {
      gateway: gateway.url,
      dynamodb: dynamoEndpoint,
      tableName: config.TABLE_NAME,
      adminToken,
      schedules: schedules.map((s) => ({ name: s.name, expression: s.expression, runNow: `POST ${gateway.url}/_local/schedules/${s.name}/run` })),
      sandboxes: Object.fromEntries(Object.entries(sandboxes).map(([name, s]) => [name, { url: s.url, ...s.identities }])),
      aepDestinationId: demo.aepDestinationId,
      aepWebhookToken: demo.aepWebhookToken,
      aepOAuthClient: { ...demo.aepOAuthClient, tokenUrl: `${gateway.url}/push-clone/destinations/${demo.aepDestinationId}/oauth/token` },
    };
    await writeFile(join(stateDir, 'endpoints.json'), JSON.stringify(endpoints, null, 2), { mode: 0o600 });
    return { url: gateway.url, endpoints, adminToken, scheduler, sandboxes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The demo Marketo instance, registered on every start so the walk-through can start at the org mapping:
 * the sandbox may listen on another port than last time, and its secret is bound to the endpoints.
 */
async function seedDemoData(sandboxes: Record<string, SandboxLaunch>): Promise<void> {
  const marketo = sandboxes.marketo?.identities as { restEndpoint: string; identityEndpoint: string } | undefined;
  if (!marketo) return;
  const ports = defaultPorts();
  await registerInstance(
    ports,
    demo.marketo.munchkinId,
    {
      name: 'Demo Marketo instance',
      restEndpoint: marketo.restEndpoint,
      identityEndpoint: marketo.identityEndpoint,
      clientId: demo.marketo.clientId,
      clientSecret: demo.marketo.clientSecret,
      hipaaReady: false,
    },
    'npm-start',
  );
}

async function secretOrCreate(secrets: ReturnType<typeof defaultPorts>['secrets'], name: string, make: () => string): Promise<string> {
  try {
    return await secrets.get(name);
  } catch (error) {
    if (!(error instanceof SecretNotFoundError)) throw error;
    const value = make();
    await secrets.put(name, value);
    return value;
  }
}
