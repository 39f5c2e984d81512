import type { Capability } from '#functions/catalog-types.ts';

export const healthCapability: Capability = {
  functions: [
    { name: 'health', entry: 'functions/health/handler.ts', description: 'Liveness probe: touches no dependency', timeoutSeconds: 5, table: 'none' },
    {
      name: 'readiness',
      entry: 'functions/health/handler-ready.ts',
      description: 'Readiness probe: checks DynamoDB and the secret store, names what is down',
      timeoutSeconds: 5,
      table: 'read',
      secrets: { read: ['ADMIN_JWT_SECRET_NAME'] },
    },
  ],
  routes: [
    { method: 'GET', path: '/health', function: 'health' },
    { method: 'GET', path: '/health/ready', function: 'readiness' },
  ],
  schedules: [],
};
