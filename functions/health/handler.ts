import { createLogger } from '#shared/logging/logger.ts';
import { httpRoute, json } from '#shared/http/index.ts';

const logger = createLogger('health');

export const handler = httpRoute({ logger, auth: 'public' }, async () => json(200, { status: 'ok', service: 'orgbridge' }));
