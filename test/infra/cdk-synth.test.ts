import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { functions } from '#functions/catalog.ts';

const run = promisify(execFile);

describe('npx cdk synth', () => {
  it('synthesizes offline with no AWS credentials, bundling every function with esbuild', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'orgbridge-cdk-'));
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
    await run(process.execPath, ['node_modules/aws-cdk/bin/cdk', 'synth', '--no-notices', '--quiet', '--output', outDir, '-c', 'stage=ci'], { env, timeout: 150_000 });
    const templatePath = join(outDir, 'orgbridge-ci.template.json');
    expect(existsSync(templatePath)).toBe(true);
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, { Type: string }> };
    const lambdas = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(lambdas).toHaveLength(functions.length);
  }, 180_000);
});
