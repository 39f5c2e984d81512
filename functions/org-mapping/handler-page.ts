import { z } from 'zod';
import { httpRoute } from '#shared/http/index.ts';
import { munchkinIdSchema } from '#shared/identifiers.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { adminPage } from './pages/admin-page';

const logger = createLogger('org-mapping-page');

/** The admin page: a static shell (its data comes from the admin API with the admin's token). */
export const handler = httpRoute({ logger, auth: 'public', params: z.object({ munchkinId: munchkinIdSchema }) }, async ({ params }) => adminPage(params.munchkinId));
