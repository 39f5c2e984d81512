import type { Config } from '#shared/config/index.ts';
import { Store } from './store';
import { dynamoClientConfig, dynamoSdk } from './dynamo-sdk';

export { Store, MAX_TRANSACTION_OPS, type Fence, type Item, type Expression, type Page, type QueryOptions, type TransactOp } from './store';
export { ConditionFailedError, isThrottlingError } from './errors';
export { fenceOf, LeaseLock, LeaseLostError, type Lease } from './lease';
export { LeaseKeeper, type LeaseTiming } from './lease-keeper';
export { tableDefinition, type TableKey } from './table';

export function createStore(config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT' | 'TABLE_NAME'>): Store {
  // The client (and the SDK) is made at the first call, not at module init.
  return new Store({ tableName: config.TABLE_NAME, client: async () => new (await dynamoSdk()).DynamoDBClient(dynamoClientConfig(config)) });
}
