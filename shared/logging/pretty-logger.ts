import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

type LogItem = Parameters<Logger['printLog']>[1];

/** Keys every line carries; the pretty line shows them in its columns instead. */
const SHOWN_IN_COLUMNS = new Set(['level', 'message', 'timestamp', 'service', 'sampling_rate', 'xray_trace_id', 'cold_start', 'function_arn', 'function_memory_size', 'function_name', 'function_request_id']);

/**
 * The Powertools Logger of `npm start`, one readable line per entry:
 * `12:00:01.234 INFO  push-clone-runner  push run finished  {"added":3}`.
 * Same redaction (the JSON replacer runs first), same levels; LOG_FORMAT=json
 * (`npm start -- --json-logs`) prints the JSON lines Lambda would.
 */
export class PrettyLogger extends Logger {
  protected override printLog(logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    const attributes = JSON.parse(JSON.stringify(log.getAttributes(), this.getJsonReplacer())) as Record<string, unknown>;
    const level = String(attributes.level ?? '').padEnd(5);
    const time = typeof attributes.timestamp === 'string' ? attributes.timestamp.slice(11, 23) : '';
    const rest = Object.fromEntries(Object.entries(attributes).filter(([key]) => !SHOWN_IN_COLUMNS.has(key)));
    const extra = Object.keys(rest).length ? `  ${JSON.stringify(rest)}` : '';
    const line = `${time} ${level} ${String(attributes.service ?? '')}  ${String(attributes.message ?? '')}${extra}`;
    if (attributes.level === 'ERROR' || attributes.level === 'CRITICAL' || attributes.level === 'WARN') process.stderr.write(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new PrettyLogger(options);
  }
}
