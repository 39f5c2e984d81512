import { configSchema, type ConfigKey } from '#shared/config/schema.ts';

/**
 * Config variables the stack sets itself on every function: a context value
 * for one of them is refused (with what to use instead), never silently dropped.
 */
export const STACK_MANAGED: Partial<Record<ConfigKey, string>> = {
  STAGE: 'use -c stage=<name>',
  TABLE_NAME: 'the stack creates the table',
  SECRETS_BACKEND: 'deployed functions always use Secrets Manager',
  SECRET_PREFIX: 'the stack uses orgbridge/<stage>/',
  PUBLIC_BASE_URL: 'the stack sets it to the API URL; use -c domainName=... -c certificateArn=... for your own domain',
  DYNAMODB_ENDPOINT: 'local only',
  LOCAL_SECRETS_FILE: 'local only',
  AWS_REGION: 'Lambda sets it',
  PUSH_RUNNER_FUNCTION_NAME: 'the stack wires the runner itself',
};

/** Every config variable a deployment may set with `-c NAME=value`: the schema's, minus the stack's own. */
export const DEPLOYABLE_SETTINGS = (Object.keys(configSchema.shape) as ConfigKey[]).filter((key) => !(key in STACK_MANAGED));

/** orgbridge's own context keys besides config variables. */
export const STACK_OPTIONS = ['stage', 'alarmEmail', 'alarmTopicArn', 'domainName', 'certificateArn', 'runbookUrl', 'account', 'region'] as const;

export interface DeploySettings {
  stage?: string;
  settings: Partial<Record<ConfigKey, string>>;
  options: Partial<Record<(typeof STACK_OPTIONS)[number], string>>;
}

export class DeploySettingsError extends Error {}

/**
 * Reads the CDK context: config variables (UPPER_SNAKE_CASE) and orgbridge's
 * options (camelCase). Anything that looks like one of ours but is not (a
 * misspelt name, a variable the stack manages) stops the synth, by name, so
 * no setting is silently dropped. CDK's own keys (with `:` or `@`, or dashes) pass.
 */
export function readDeploySettings(context: Record<string, unknown>): DeploySettings {
  const problems: string[] = [];
  const settings: Partial<Record<ConfigKey, string>> = {};
  const options: DeploySettings['options'] = {};
  for (const [key, raw] of Object.entries(context)) {
    if (raw === undefined) continue;
    const value = String(raw);
    if (/^[A-Z][A-Z0-9_]*$/.test(key)) {
      if ((DEPLOYABLE_SETTINGS as string[]).includes(key)) settings[key as ConfigKey] = value;
      else if (key in STACK_MANAGED) problems.push(`-c ${key}: set by the stack (${STACK_MANAGED[key as ConfigKey]})`);
      else problems.push(`-c ${key}: no such setting${suggestion(key, DEPLOYABLE_SETTINGS)}`);
    } else if ((STACK_OPTIONS as readonly string[]).includes(key)) {
      options[key as (typeof STACK_OPTIONS)[number]] = value;
    } else if (/^[a-z][A-Za-z0-9]*$/.test(key)) {
      problems.push(`-c ${key}: no such option${suggestion(key, STACK_OPTIONS)}`);
    }
  }
  const checked = configSchema.safeParse({ STAGE: options.stage, ...settings });
  if (!checked.success) problems.push(...checked.error.issues.map((issue) => `-c ${issue.path.join('.')}: ${issue.message}`));
  if (options.domainName && !options.certificateArn) problems.push('-c domainName needs -c certificateArn (an ACM certificate for that name, in the stack\'s region)');
  if (options.alarmEmail && options.alarmTopicArn) problems.push('-c alarmEmail and -c alarmTopicArn: give one (subscribe the email to your topic yourself)');
  if (problems.length) throw new DeploySettingsError(`Invalid deployment settings:\n  ${problems.join('\n  ')}\nSettings: ${DEPLOYABLE_SETTINGS.join(', ')}.\nOptions: ${STACK_OPTIONS.join(', ')}.`);
  return { ...(options.stage ? { stage: options.stage } : {}), settings, options };
}

function suggestion(key: string, known: readonly string[]): string {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean ${best.name}?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
