import { describe, expect, it } from 'vitest';
import { assertOutboundAllowed, isInternalAddress } from '#shared/outbound/allowed-hosts.ts';

const prod = { STAGE: 'prod' } as const;
/** What DNS answers for each name in these tests (the resolver is a port, like the clock). */
const answers = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found) throw new Error(`ENOTFOUND ${host}`);
  return found;
};

describe('outbound allow-list', () => {
  it('accepts each vendor\'s documented hosts when they resolve to public addresses', async () => {
    const dns = answers({ '123-abc-456.mktorest.com': ['104.17.74.206'], 'ims-na1.adobelogin.com': ['2600:1f18::1', '52.1.2.3'], 'usermanagement.adobe.io': ['54.1.2.3'] });
    await expect(assertOutboundAllowed('https://123-ABC-456.mktorest.com/rest', 'marketo', prod, dns)).resolves.toBeUndefined();
    await expect(assertOutboundAllowed('https://ims-na1.adobelogin.com', 'ims', prod, dns)).resolves.toBeUndefined();
    await expect(assertOutboundAllowed('https://usermanagement.adobe.io/v2/usermanagement', 'umapi', prod, dns)).resolves.toBeUndefined();
  });

  it('refuses a documented name that resolves to an internal address (DNS pointing inside)', async () => {
    const dns = answers({ 'evil.mktorest.com': ['52.1.2.3', '10.1.2.3'] });
    await expect(assertOutboundAllowed('https://evil.mktorest.com', 'marketo', prod, dns)).rejects.toThrow(/resolves to a private, link-local or loopback address/);
  });

  it('refuses a name that does not resolve', async () => {
    await expect(assertOutboundAllowed('https://gone.mktorest.com', 'marketo', prod, answers({}))).rejects.toThrow(/does not resolve/);
  });

  it('does not let a look-alike suffix through', async () => {
    const dns = answers({ 'mktorest.com.attacker.example': ['52.1.2.3'], 'evilmktorest.com': ['52.1.2.3'] });
    await expect(assertOutboundAllowed('https://mktorest.com.attacker.example', 'marketo', prod, dns)).rejects.toThrow(/matches none/);
    await expect(assertOutboundAllowed('https://evilmktorest.com', 'marketo', prod, dns)).rejects.toThrow(/matches none/);
    await expect(assertOutboundAllowed('https://ims-na1.adobelogin.com', 'marketo', prod, dns)).rejects.toThrow(/matches none/);
  });

  it('adds the deployment\'s own patterns', async () => {
    const dns = answers({ 'ims.proxy.example.com': ['52.1.2.3'] });
    await expect(assertOutboundAllowed('https://ims.proxy.example.com', 'ims', { ...prod, OUTBOUND_ALLOWED_HOSTS: '*.proxy.example.com' }, dns)).resolves.toBeUndefined();
  });

  it('allows anything in the local stage, where the sandboxes listen on loopback', async () => {
    await expect(assertOutboundAllowed('http://127.0.0.1:3103/rest', 'marketo', { STAGE: 'local' }, answers({}))).resolves.toBeUndefined();
  });

  it.each([
    ['10.0.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['127.0.0.53', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['::', true],
    ['fd00:ec2::254', true],
    ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2600:1f18::1', false],
  ])('%s is internal: %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });
});
