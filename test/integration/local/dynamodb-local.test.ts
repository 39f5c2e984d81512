import { describe, expect, it } from 'vitest';
import { JavaMissingError, startDynamoLocal } from '#local/dynamodb-local.ts';

describe('the DynamoDB Local launcher', () => {
  it('says how to install Java when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await startDynamoLocal().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JavaMissingError);
      expect((error as Error).message).toContain('apt-get install -y openjdk-17-jre-headless');
    } finally {
      process.env.PATH = path;
    }
  });
});
