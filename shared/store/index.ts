import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '#shared/config/index.ts';
import { Store } from './store';

export { Store, MAX_TRANSACTION_OPS, type Fence, type Item, type Expression, type Page, type QueryOptions, type TransactOp } from './store';
export { ConditionFailedError, isThrottlingError } from './errors';
export { fenceOf, LeaseLock, LeaseLostError, type Lease } from './lease';
export { LeaseKeeper, type LeaseTiming } from './lease-keeper';
export { tableDefinition, type TableKey } from './table';
export { ensureTable } from './create-table';

/** The DynamoDB client for a configuration: DynamoDB Local when an endpoint is set. */
export function createDynamoClient(config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT'>): DynamoDBClient {
  return new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT
      ? { endpoint: config.DYNAMODB_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}

export function createStore(config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT' | 'TABLE_NAME'>): Store {
  return new Store({ tableName: config.TABLE_NAME, client: createDynamoClient(config) });
}
