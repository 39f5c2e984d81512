import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '#shared/config/index.ts';
import { dynamoClientConfig } from './dynamo-sdk';

/**
 * A DynamoDB client made at once, for local tooling, tests and the bench
 * (functions get theirs lazily through `createStore`). Not exported from
 * `#shared/store/index.ts`, so a function's bundle never loads the SDK at init.
 */
export function createDynamoClient(config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT'>): DynamoDBClient {
  return new DynamoDBClient(dynamoClientConfig(config));
}
