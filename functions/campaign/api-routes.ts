import { z } from 'zod';
import { ConflictError } from '#shared/errors.ts';
import { httpRoute, json, requirePermission, routeByKey } from '#shared/http/index.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { createMetrics } from '#shared/metrics.ts';
import { accountInputSchema, getAccount, operatorGroupsInputSchema, saveAccount, saveOperatorGroups } from './core/accounts';
import { readLinksView } from './core/links-view';
import { accountKeySchema } from './core/model';
import { runSync } from './core/sync';
import { campaignSyncPorts } from './sync-ports';

const logger = createLogger('campaign-api');
const metrics = createMetrics('campaign-api');
const params = z.object({ account: accountKeySchema });
/** A dry run unless the admin says dryRun=false: a sync that applies must be asked for. */
const syncQuery = z.object({ dryRun: z.enum(['true', 'false']).default('true') });

const putAccount = httpRoute({ logger, auth: 'admin', params, body: accountInputSchema }, async ({ params, body, admin }, ports) => {
  requirePermission(admin, 'campaign-admin');
  const { account, created } = await saveAccount(ports, params.account, body, admin.subject);
  return json(created ? 201 : 200, account);
});

const getAccountRoute = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePermission(admin, 'campaign-admin');
  return json(200, await getAccount(ports.store, params.account));
});

const putOperatorGroups = httpRoute({ logger, auth: 'admin', params, body: operatorGroupsInputSchema }, async ({ params, body, admin }, ports) => {
  requirePermission(admin, 'campaign-admin');
  return json(200, await saveOperatorGroups(ports.store, params.account, body.operatorGroups));
});

const postSync = httpRoute({ logger, auth: 'admin', params, query: syncQuery }, async ({ params, query, admin, context }, ports) => {
  requirePermission(admin, 'campaign-admin');
  const result = await runSync(campaignSyncPorts(ports, logger, metrics), params.account, { dryRun: query.dryRun === 'true', remainingTimeMs: context.getRemainingTimeInMillis() }).finally(() => metrics.publishStoredMetrics());
  if (result.status === 'busy') throw new ConflictError(`A sync of Campaign account ${params.account} is already running; try again when it has finished.`, { code: 'sync_in_progress' });
  return json(result.status === 'completed' ? 200 : 202, result);
});

const getLinks = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePermission(admin, 'campaign-admin');
  return json(200, await readLinksView(ports.store, params.account));
});

export const handler = routeByKey({
  'PUT /campaign/accounts/{account}': putAccount,
  'GET /campaign/accounts/{account}': getAccountRoute,
  'PUT /campaign/accounts/{account}/operator-groups': putOperatorGroups,
  'POST /campaign/accounts/{account}/sync': postSync,
  'GET /campaign/accounts/{account}/links': getLinks,
});
