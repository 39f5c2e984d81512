import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Moto } from './moto';

/** A real Secrets Manager SDK client on this file's moto_server, counting the GetSecretValue calls it sends. */
export function secretsManagerOn(moto: Moto): { client: SecretsManagerClient; reads: () => number } {
  const client = new SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' } });
  let reads = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetSecretValueCommand') reads += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countSecretReads' },
  );
  return { client, reads: () => reads };
}
