import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { ensureTable } from '#shared/store/create-table.ts';

/** A fresh table on the run's DynamoDB Local, named for the test file so files never share data. */
export async function freshStore(label: string): Promise<Store> {
  const endpoint = inject('dynamoEndpoint');
  const client = createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: endpoint });
  const tableName = `t-${label.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40)}-${randomUUID().slice(0, 8)}`;
  await ensureTable(client, tableName);
  return new Store({ tableName, client });
}

export function dynamoEndpoint(): string {
  return inject('dynamoEndpoint');
}
