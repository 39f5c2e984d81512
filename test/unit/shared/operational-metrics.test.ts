import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionNamed } from '#functions/catalog.ts';
import { OPERATIONAL_METRICS } from '#shared/metrics.ts';

/**
 * An alarm on a metric nobody emits can never fire: the stack would look
 * watched while it is not. Each metric the alarms and the dashboard read must
 * be emitted by the function its `service` names (Powertools sets the
 * `service` dimension from createMetrics(name), and an alarm matches it
 * exactly), from that function's own folder.
 */
describe('operational metrics: every alarmed metric has an emitter', () => {
  for (const [key, { name, service }] of Object.entries(OPERATIONAL_METRICS)) {
    it(`${name} is emitted by ${service}`, () => {
      const entry = functionNamed(service).entry;
      expect(readFileSync(handlerModuleOf(entry), 'utf8')).toContain(`createMetrics('${service}')`);
      const folder = dirname(entry);
      const emitters = execFileSync('git', ['grep', '-l', `OPERATIONAL_METRICS.${key}.name`, '--', folder], { encoding: 'utf8' }).trim().split('\n');
      expect(emitters.filter(Boolean).length).toBeGreaterThan(0);
    });
  }
});

/** The module that holds the function's handler: the entry itself, or the one a lazy entry (`lazyHandler`) loads at the first invocation. */
function handlerModuleOf(entry: string): string {
  const lazy = /lazyHandler\(async \(\) => \(await import\('#(functions\/[^']+)'\)\)/.exec(readFileSync(entry, 'utf8'));
  return lazy?.[1] ?? entry;
}
