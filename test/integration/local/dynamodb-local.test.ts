import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
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

  it('listens on 127.0.0.1 only, not on the machine\'s other addresses', async () => {
    const dynamo = await startDynamoLocal();
    try {
      const port = Number(new URL(dynamo.endpoint).port);
      const reach = (host: string) =>
        new Promise<string>((resolve) => {
          const socket = connect({ host, port, timeout: 2000 });
          socket.once('connect', () => (socket.destroy(), resolve('connected')));
          socket.once('timeout', () => (socket.destroy(), resolve('timeout')));
          socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        });
      expect(await reach('127.0.0.1')).toBe('connected');
      const external = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4');
      // A machine with no other address has nothing more to show.
      for (const address of external) expect(await reach(address!.address)).toBe('ECONNREFUSED');
    } finally {
      await dynamo.stop();
    }
  }, 60_000);
});
