import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxServer } from '#local/sandboxes/framework.ts';
import { ImsClient, ImsRejectedError, ImsUnavailableError } from '#shared/ims/index.ts';

/** A proxy in front of IMS answering with HTML pages instead of OAuth JSON. */
describe('IMS answers whose body is not JSON', () => {
  const proxy = new SandboxServer('ims-proxy');
  let client: ImsClient;
  beforeAll(async () => {
    proxy.route('POST', '/ims/token/v3', () => ({ status: 400, headers: { 'content-type': 'text/html' }, body: '<html>Bad Request</html>' }));
    proxy.route('GET', '/ims/userinfo/v2', () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' }));
    client = new ImsClient({ baseUrl: await proxy.start(), clientId: 'web-client', clientSecret: async () => 'web-client-secret-value', timeoutMs: 2_000 });
  });
  afterAll(() => proxy.stop());

  it('treats a 4xx with an HTML body as a refusal, not as IMS being unavailable', async () => {
    const error = await client.exchangeCode({ code: 'c', codeVerifier: 'v'.repeat(43), redirectUri: 'https://localhost/cb' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImsRejectedError);
    expect(error).toMatchObject({ httpStatus: 400, imsError: 'http_400' });
  });

  it('treats a 5xx with an HTML body as unavailable', async () => {
    await expect(client.userInfo('token')).rejects.toBeInstanceOf(ImsUnavailableError);
  });
});
