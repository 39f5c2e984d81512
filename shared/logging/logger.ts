import { Logger } from '@aws-lambda-powertools/logger';
import { PrettyLogger } from './pretty-logger';
import { redactingReplacer } from './redact';

export { maskEmail, redactText, redactingReplacer, registerSecretValue } from './redact';

/**
 * One Powertools Logger per function (built at module scope by the handler's
 * module). JSON lines (or, locally, readable lines), redacted on the way out.
 */
export function createLogger(serviceName: string): Logger {
  // npm start prints readable lines unless asked for JSON (LOG_FORMAT, validated by the config schema).
  const LoggerClass = process.env.LOG_FORMAT === 'pretty' ? PrettyLogger : Logger;
  return new LoggerClass({
    serviceName,
    logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
    jsonReplacerFn: redactingReplacer,
  });
}
