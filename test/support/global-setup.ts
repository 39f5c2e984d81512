import type { TestProject } from 'vitest/node';
import { startDynamoLocal, type DynamoLocal } from '#local/dynamodb-local.ts';

let dynamo: DynamoLocal | undefined;

/** One in-memory DynamoDB Local for the whole run; each test file uses its own table. */
export async function setup(project: TestProject): Promise<void> {
  dynamo = await startDynamoLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
}

export async function teardown(): Promise<void> {
  await dynamo?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
