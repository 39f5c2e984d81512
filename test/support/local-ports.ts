import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetConfigCache, config as readConfig } from '#shared/config/index.ts';
import { signAdminToken, type Permission } from '#shared/http/index.ts';
import { defaultPorts, resetDefaultPorts, type Ports } from '#shared/runtime/ports.ts';
import { freshStore } from './dynamo';

export const TEST_ADMIN_KEY = 'test-admin-signing-key-0123456789abcdef';

/**
 * Points this test file's process at DynamoDB Local (a fresh table) and a
 * temporary file secret store, exactly as `npm start` points the handlers,
 * and returns the ports the handlers will build from that environment.
 */
export async function useLocalPorts(label: string, env: Record<string, string> = {}): Promise<Ports> {
  const store = await freshStore(label);
  const dir = mkdtempSync(join(tmpdir(), `orgbridge-${label}-`));
  Object.assign(process.env, {
    TABLE_NAME: store.tableName,
    DYNAMODB_ENDPOINT: (await import('./dynamo')).dynamoEndpoint(),
    SECRETS_BACKEND: 'file',
    LOCAL_SECRETS_FILE: join(dir, 'secrets.json'),
    ...env,
  });
  resetConfigCache();
  resetDefaultPorts();
  const ports = defaultPorts();
  await ports.secrets.put(ports.config.ADMIN_JWT_SECRET_NAME, TEST_ADMIN_KEY);
  return ports;
}

export function adminToken(claims: { email?: string; instances?: string[]; permissions?: Permission[]; sub?: string } = {}): Promise<string> {
  const config = readConfig();
  return signAdminToken(
    TEST_ADMIN_KEY,
    {
      sub: claims.sub ?? 'test-admin',
      email: claims.email ?? 'marketing.admin@example.com',
      instances: claims.instances ?? ['*'],
      permissions: claims.permissions ?? ['org-mapping', 'marketo-admin', 'push-clone-admin', 'campaign-admin'],
    },
    { issuer: config.ADMIN_JWT_ISSUER, audience: config.ADMIN_JWT_AUDIENCE },
  );
}
