import type { Capability } from '#functions/catalog-types.ts';

export const pushCloneCapability: Capability = {
  functions: [
    {
      name: 'push-clone-api',
      entry: 'functions/push-clone/handler-api.ts',
      description: 'Push clone destinations: setup, status, pause/resume/delete, retries and person history',
      timeoutSeconds: 30,
      table: 'readwrite',
      secrets: { read: ['ADMIN_JWT_SECRET_NAME', 'marketo/*'] },
    },
    {
      name: 'push-clone-webhook',
      entry: 'functions/push-clone/handler-webhook.ts',
      description: 'AEP audience activation webhook: authenticates, writes durably, answers within AEP\'s 2 s',
      timeoutSeconds: 10,
      memoryMb: 1024,
      table: 'readwrite',
      secrets: { read: ['WEBHOOK_TOKEN_SECRET_NAME', 'WEBHOOK_OAUTH_CLIENT_SECRET_NAME'] },
    },
    {
      name: 'push-clone-dispatcher',
      entry: 'functions/push-clone/handler-dispatcher.ts',
      description: 'Scheduler tick: one push-clone runner per Marketo instance with work',
      timeoutSeconds: 60,
      table: 'read',
      invokes: [{ function: 'push-clone-runner', envKey: 'PUSH_RUNNER_FUNCTION_NAME' }],
    },
    {
      name: 'push-clone-runner',
      entry: 'functions/push-clone/handler-runner.ts',
      description: 'Pushes one Marketo instance\'s pending audience changes within its call budget',
      timeoutSeconds: 900,
      memoryMb: 512,
      table: 'readwrite',
      secrets: { read: ['marketo/*'] },
    },
  ],
  routes: [
    { method: 'GET', path: '/push-clone/destinations', function: 'push-clone-api' },
    { method: 'PUT', path: '/push-clone/destinations/{destinationId}', function: 'push-clone-api' },
    { method: 'GET', path: '/push-clone/destinations/{destinationId}', function: 'push-clone-api' },
    { method: 'DELETE', path: '/push-clone/destinations/{destinationId}', function: 'push-clone-api' },
    { method: 'POST', path: '/push-clone/destinations/{destinationId}/pause', function: 'push-clone-api' },
    { method: 'POST', path: '/push-clone/destinations/{destinationId}/resume', function: 'push-clone-api' },
    { method: 'POST', path: '/push-clone/destinations/{destinationId}/retry-failed', function: 'push-clone-api' },
    { method: 'GET', path: '/push-clone/destinations/{destinationId}/people/{email}', function: 'push-clone-api' },
    { method: 'POST', path: '/push-clone/destinations/{destinationId}/activations', function: 'push-clone-webhook' },
    { method: 'POST', path: '/push-clone/oauth/token', function: 'push-clone-webhook' },
  ],
  schedules: [
    {
      name: 'push-clone-tick',
      expression: 'rate(1 minute)',
      localEverySeconds: 15,
      function: 'push-clone-dispatcher',
      description: 'Starts push-clone batches: one runner per Marketo instance with pending work',
    },
  ],
};
