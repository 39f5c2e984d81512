import type { SandboxServer } from '#local/sandboxes/framework.ts';
import { failure } from './envelope';

/**
 * The faults a Marketo call can meet, injectable by name. An injected fault
 * answers instead of the instance: it changes no state and is not counted by
 * the limits (the framework draws it before `around`).
 */
const ENVELOPE_FAULTS: Record<string, string> = {
  '601': 'Access token invalid',
  '602': 'Access token expired',
  '604': 'Request timed out',
  '606': "Max rate limit '100' exceeded with in '20' secs",
  '607': 'Daily quota reached',
  '615': 'Concurrent access limit reached',
};

const HTTP_FAULTS: Record<string, string> = {
  '500': 'Internal Server Error',
  '502': 'Bad Gateway',
  '503': 'Service Unavailable',
};

export const MARKETO_FAULT_KINDS = [...Object.keys(ENVELOPE_FAULTS), ...Object.keys(HTTP_FAULTS), 'timeout'] as const;

export function defineMarketoFaults(server: SandboxServer): void {
  for (const [code, message] of Object.entries(ENVELOPE_FAULTS)) server.defineFault(code, () => failure(code, message));
  for (const [status, text] of Object.entries(HTTP_FAULTS)) {
    server.defineFault(status, () => ({
      status: Number(status),
      headers: { 'content-type': 'text/html' },
      body: `<html><head><title>${status} ${text}</title></head><body><center><h1>${status} ${text}</h1></center></body></html>`,
    }));
  }
  // Accepts the call and never answers, as a call lost past Marketo's gateway looks.
  server.defineFault('timeout', () => 'hang');
  server.defineFault('hang', () => 'hang');
}
