import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * What a stage's name decides. `dev` (the default) can be torn down whole;
 * `prod` (or `prod-<anything>`, always asked for explicitly) keeps its table
 * and secrets when the stack is deleted, protects the table from deletion,
 * and keeps logs for a year.
 */
export interface StageProfile {
  stage: string;
  production: boolean;
  /** For the table and the stack's secrets. */
  removalPolicy: RemovalPolicy;
  logRetention: RetentionDays;
}

export const DEFAULT_STAGE = 'dev';

export function stageProfile(stage: string): StageProfile {
  const production = stage === 'prod' || stage.startsWith('prod-');
  return {
    stage,
    production,
    removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    logRetention: production ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
  };
}
