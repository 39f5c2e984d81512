import type { Capability } from '#functions/catalog-types.ts';

/** How often the scheduled Campaign sync looks for due accounts (also what makes an account stale: core/schedule.ts). */
export const CAMPAIGN_SYNC_TICK_MINUTES = 15;

export const campaignCapability: Capability = {
  functions: [
    {
      name: 'campaign-api',
      entry: 'functions/campaign/handler-api.ts',
      description: 'Campaign IMS external accounts, operator groups, on-demand sync and links',
      // An on-demand sync pages UMAPI; it saves its cursor before the timeout and answers 202.
      timeoutSeconds: 29,
      memoryMb: 512,
      table: 'readwrite',
      secrets: { read: ['ADMIN_JWT_SECRET_NAME', 'campaign/*'], write: ['campaign/*'] },
    },
    {
      name: 'campaign-sync',
      entry: 'functions/campaign/handler-scheduled.ts',
      description: 'Scheduled Campaign association-mask sync of every due account, resumable after UMAPI 429s',
      timeoutSeconds: 900,
      memoryMb: 1024,
      table: 'readwrite',
      secrets: { read: ['campaign/*'] },
    },
    {
      name: 'campaign-events',
      entry: 'functions/campaign/handler-events.ts',
      description: 'Publishes applied Campaign change sets from the outbox to the orgbridge.campaign event bus (PutEvents, at least once)',
      timeoutSeconds: 60,
      memoryMb: 256,
      table: 'readwrite',
    },
  ],
  routes: [
    { method: 'PUT', path: '/campaign/accounts/{account}', function: 'campaign-api' },
    { method: 'GET', path: '/campaign/accounts/{account}', function: 'campaign-api' },
    { method: 'PUT', path: '/campaign/accounts/{account}/operator-groups', function: 'campaign-api' },
    { method: 'POST', path: '/campaign/accounts/{account}/sync', function: 'campaign-api' },
    { method: 'GET', path: '/campaign/accounts/{account}/links', function: 'campaign-api' },
  ],
  schedules: [
    {
      name: 'campaign-sync-tick',
      expression: `rate(${CAMPAIGN_SYNC_TICK_MINUTES} minutes)`,
      localEverySeconds: 300,
      function: 'campaign-sync',
      description: 'Syncs Campaign accounts that are due: a saved UMAPI cursor to resume, or a full sync at most every 2 hours',
    },
    {
      name: 'campaign-events-tick',
      expression: 'rate(1 minute)',
      localEverySeconds: 60,
      function: 'campaign-events',
      description: 'Drains the Campaign outbox to the event bus: every applied change set, at least once',
    },
  ],
};
