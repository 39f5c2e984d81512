import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { Config } from '#shared/config/index.ts';

/**
 * The DynamoDB SDK, loaded on first use. Importing it takes about 150 ms in
 * a fresh process, most of a function's module init (docs/bench.md, "Module
 * init"); loaded here, the first request pays it instead, and only a
 * function that touches the table does.
 */
export type DynamoSdk = typeof import('@aws-sdk/lib-dynamodb') &
  Pick<typeof import('@aws-sdk/client-dynamodb'), 'DynamoDBClient' | 'ConditionalCheckFailedException' | 'TransactionCanceledException'> &
  Pick<typeof import('@aws-sdk/util-dynamodb'), 'unmarshall'>;

let loading: Promise<DynamoSdk> | undefined;

export function dynamoSdk(): Promise<DynamoSdk> {
  loading ??= Promise.all([import('@aws-sdk/lib-dynamodb'), import('@aws-sdk/client-dynamodb'), import('@aws-sdk/util-dynamodb')]).then(([lib, client, util]) => ({
    ...lib,
    DynamoDBClient: client.DynamoDBClient,
    ConditionalCheckFailedException: client.ConditionalCheckFailedException,
    TransactionCanceledException: client.TransactionCanceledException,
    unmarshall: util.unmarshall,
  }));
  return loading;
}

/** The client settings for a configuration: DynamoDB Local when an endpoint is set. */
export function dynamoClientConfig(config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT'>): DynamoDBClientConfig {
  return {
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  };
}
