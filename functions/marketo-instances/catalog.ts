import type { Capability } from '#functions/catalog-types.ts';

export const marketoInstancesCapability: Capability = {
  functions: [
    {
      name: 'marketo-instances-api',
      entry: 'functions/marketo-instances/handler.ts',
      description: 'Register and read Marketo instances',
      timeoutSeconds: 10,
      table: 'readwrite',
      secrets: { read: ['ADMIN_JWT_SECRET_NAME'], write: ['marketo/*'] },
    },
  ],
  routes: [
    { method: 'PUT', path: '/marketo/instances/{munchkinId}', function: 'marketo-instances-api' },
    { method: 'GET', path: '/marketo/instances/{munchkinId}', function: 'marketo-instances-api' },
  ],
  schedules: [],
};
