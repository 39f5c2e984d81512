import { z } from 'zod';
import { httpRoute, routeByKey } from '#shared/http/index.ts';
import { munchkinIdSchema } from '#shared/identifiers.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { accountKeySchema } from '#functions/campaign/core/model.ts';
import { destinationIdSchema } from '#functions/push-clone/core/setup/destination-input.ts';
import { campaignPage } from './pages/campaign-page';
import { destinationPage } from './pages/destination-page';
import { homePage } from './pages/home-page';
import { instancePage } from './pages/instance-page';

const logger = createLogger('admin-console-page');

/** Static shells: their data comes from the admin API with the admin's token, so every page route is public. */
export const handler = routeByKey({
  'GET /admin': httpRoute({ logger, auth: 'public' }, async () => homePage()),
  'GET /admin/instances/{munchkinId}': httpRoute({ logger, auth: 'public', params: z.object({ munchkinId: munchkinIdSchema }) }, async ({ params }) =>
    instancePage(params.munchkinId),
  ),
  'GET /admin/destinations/{destinationId}': httpRoute({ logger, auth: 'public', params: z.object({ destinationId: destinationIdSchema }) }, async ({ params }) =>
    destinationPage(params.destinationId),
  ),
  'GET /admin/campaign/{account}': httpRoute({ logger, auth: 'public', params: z.object({ account: accountKeySchema }) }, async ({ params }) => campaignPage(params.account)),
});
