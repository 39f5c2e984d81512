import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/build-app.ts';

const run = promisify(execFile);

interface Finding {
  Level: string;
  Rule: { Id: string };
  Message: string;
  Location: { Path: unknown[] };
}

/** cfn-lint (the Python CloudFormation linter, on PATH) over the synthesized templates: no errors. */
describe('cfn-lint', () => {
  // One template with every optional part (prod's retention, a custom domain, the topic and its subscription).
  const context = { stage: 'prod', alarmEmail: 'oncall@example.com', domainName: 'orgbridge.example.com', certificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/abc' };

  it('finds no error in the synthesized template', async () => {
    const template = Template.fromStack(buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }))).toJSON();
    const path = join(mkdtempSync(join(tmpdir(), 'orgbridge-cfn-lint-')), 'template.json');
    writeFileSync(path, JSON.stringify(template));
    // cfn-lint exits non-zero when it finds anything (warnings included): read its report instead.
    const output = await run('cfn-lint', ['--format', 'json', '--regions', 'us-east-1', '--', path], { maxBuffer: 16 * 1024 * 1024 }).then(
      (done) => done.stdout,
      (failed: { stdout?: string; code?: number; message: string }) => {
        if (failed.stdout === undefined || failed.code === undefined || failed.code > 30) throw new Error(`cfn-lint did not run: ${failed.message}`);
        return failed.stdout;
      },
    );
    const findings = JSON.parse(output || '[]') as Finding[];
    const errors = findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Location.Path.join('/')}: ${f.Message}`);
    expect(errors).toEqual([]);
  }, 120_000);
});
