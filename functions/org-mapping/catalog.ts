import type { Capability } from '#functions/catalog-types.ts';

export const orgMappingCapability: Capability = {
  functions: [
    {
      name: 'org-mapping-api',
      entry: 'functions/org-mapping/handler-api.ts',
      description: 'Adobe Organization Mapping: read, edit, confirm',
      timeoutSeconds: 10,
      table: 'readwrite',
      secrets: { read: ['ADMIN_JWT_SECRET_NAME'] },
    },
    {
      name: 'org-mapping-callback',
      entry: 'functions/org-mapping/handler-callback.ts',
      description: 'Adobe IMS redirect target of the mapping popup',
      timeoutSeconds: 20,
      // Public: it deletes only the pending OAuth state it consumes.
      table: { write: ['PutItem', 'UpdateItem'], deleteWherePartitionStartsWith: ['OAUTH_STATE#'] },
      secrets: { read: ['IMS_CLIENT_SECRET_NAME', 'UMAPI_CLIENT_SECRET_NAME'] },
    },
    { name: 'org-mapping-page', entry: 'functions/org-mapping/handler-page.ts', description: 'Adobe Organization Mapping admin page', timeoutSeconds: 5, table: 'none' },
  ],
  routes: [
    { method: 'GET', path: '/org-mapping/callback', function: 'org-mapping-callback' },
    { method: 'GET', path: '/org-mapping/{munchkinId}', function: 'org-mapping-api' },
    { method: 'PUT', path: '/org-mapping/{munchkinId}', function: 'org-mapping-api' },
    { method: 'POST', path: '/org-mapping/{munchkinId}/confirm', function: 'org-mapping-api' },
    { method: 'POST', path: '/org-mapping/{munchkinId}/cancel', function: 'org-mapping-api' },
    { method: 'GET', path: '/admin/org-mapping/{munchkinId}', function: 'org-mapping-page' },
  ],
  schedules: [],
};
