import type { Capability } from '#functions/catalog-types.ts';

/**
 * The admin console: pages only. Each page is a shell with no data; its
 * script calls the admin API with the admin's token, so this function needs
 * no table and no secret.
 */
export const adminConsoleCapability: Capability = {
  functions: [{ name: 'admin-console-page', entry: 'functions/admin-console/handler-page.ts', description: 'Admin console pages', timeoutSeconds: 5, table: 'none' }],
  routes: [
    { method: 'GET', path: '/admin', function: 'admin-console-page' },
    { method: 'GET', path: '/admin/instances/{munchkinId}', function: 'admin-console-page' },
    { method: 'GET', path: '/admin/destinations/{destinationId}', function: 'admin-console-page' },
    { method: 'GET', path: '/admin/campaign/{account}', function: 'admin-console-page' },
  ],
  schedules: [],
};
