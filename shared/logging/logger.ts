import { Logger } from '@aws-lambda-powertools/logger';
import { redactingReplacer } from './redact';

export { maskEmail, redactText, redactingReplacer, registerSecretValue } from './redact';

/**
 * One Powertools Logger per function (built at module scope by the handler's
 * module). JSON lines, redacted on the way out.
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({
    serviceName,
    logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
    jsonReplacerFn: redactingReplacer,
  });
}
