import type { Capability } from '#functions/catalog-types.ts';

export const marketoInstancesCapability: Capability = {
  functions: [
    {
      name: 'marketo-instances-api',
      entry: 'functions/marketo-instances/handler.ts',
      description: 'Register (credentials proven), list and read Marketo instances; lead fields, partitions and lists for pickers',
      timeoutSeconds: 30,
      table: 'readwrite',
      secrets: { read: ['ADMIN_JWT_SECRET_NAME', 'marketo/*'], write: ['marketo/*'] },
    },
  ],
  routes: [
    { method: 'GET', path: '/marketo/instances', function: 'marketo-instances-api' },
    { method: 'GET', path: '/marketo/instances/{munchkinId}/lead-fields', function: 'marketo-instances-api' },
    { method: 'GET', path: '/marketo/instances/{munchkinId}/partitions', function: 'marketo-instances-api' },
    { method: 'GET', path: '/marketo/instances/{munchkinId}/lists', function: 'marketo-instances-api' },
    { method: 'PUT', path: '/marketo/instances/{munchkinId}', function: 'marketo-instances-api' },
    { method: 'GET', path: '/marketo/instances/{munchkinId}', function: 'marketo-instances-api' },
  ],
  schedules: [],
};
