import type { Capability } from '#functions/catalog-types.ts';

export const healthCapability: Capability = {
  functions: [
    { name: 'health', entry: 'functions/health/handler.ts', description: 'Liveness probe', timeoutSeconds: 5, table: 'none' },
  ],
  routes: [{ method: 'GET', path: '/health', function: 'health' }],
  schedules: [],
};
