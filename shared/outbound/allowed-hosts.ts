import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { Config } from '#shared/config/index.ts';
import { BadRequestError } from '#shared/errors.ts';

/**
 * Where orgbridge may send a tenant's credential. Every vendor host an admin
 * types (a Marketo instance's endpoints, a Campaign account's IMS server) must
 * match the vendor's documented host pattern, or a pattern the deployment adds
 * with OUTBOUND_ALLOWED_HOSTS; and outside the local stage no such host may
 * resolve to a private, link-local or loopback address (the function's own
 * network, the instance metadata service).
 */
export type OutboundVendor = 'marketo' | 'ims' | 'umapi' | 'campaign';

export const VENDOR_HOST_PATTERNS: Record<OutboundVendor, { patterns: readonly string[]; documentedAt: string }> = {
  // "https://<Munchkin ID>.mktorest.com/rest" and ".../identity", as Admin > Web Services shows them.
  marketo: { patterns: ['*.mktorest.com'], documentedAt: 'https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api' },
  // Adobe IMS: ims-na1.adobelogin.com (and its regional and stage siblings).
  ims: { patterns: ['*.adobelogin.com'], documentedAt: 'https://developer.adobe.com/developer-console/docs/guides/authentication/' },
  // The User Management API.
  umapi: { patterns: ['usermanagement.adobe.io', 'usermanagement-stage.adobe.io'], documentedAt: 'https://adobe-apiplatform.github.io/umapi-documentation/en/' },
  // Campaign instances hosted by Adobe: <instance>.campaign.adobe.com.
  campaign: { patterns: ['*.campaign.adobe.com'], documentedAt: 'https://experienceleague.adobe.com/en/docs/campaign-classic/using/installing-campaign-classic/additional-configurations/configuring-campaign-server' },
};

export type OutboundPolicyConfig = Pick<Config, 'STAGE' | 'OUTBOUND_ALLOWED_HOSTS'>;

/**
 * Addresses a vendor host must never resolve to outside the local stage. Two
 * lists: Node's BlockList matches IPv4 addresses against IPv4-mapped IPv6
 * subnets, so an IPv6 rule must never see an IPv4 address.
 */
const internalIpv4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internalIpv4.addSubnet(network, prefix, 'ipv4');
}
const internalIpv6 = new BlockList();
for (const [network, prefix] of [
  ['::', 127], // unspecified and loopback
  ['64:ff9b::', 96], // NAT64 of any IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  internalIpv6.addSubnet(network, prefix, 'ipv6');
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1 or ::ffff:a00:1) as its IPv4 address. */
function mappedIpv4(address: string): string | undefined {
  const match = /^::ffff:(?:0:)?(.+)$/i.exec(address);
  if (!match?.[1]) return undefined;
  if (isIP(match[1]) === 4) return match[1];
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(match[1]);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return internalIpv4.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = mappedIpv4(address);
  if (mapped) return internalIpv4.check(mapped, 'ipv4');
  return internalIpv6.check(address, 'ipv6');
}

function hostMatches(host: string, pattern: string): boolean {
  const wanted = pattern.trim().toLowerCase();
  if (wanted.startsWith('*.')) return host.endsWith(wanted.slice(1)) && host.length > wanted.length - 1;
  return host === wanted;
}

/** The patterns a vendor's hosts must match: the documented ones and the deployment's own. */
export function allowedPatterns(vendor: OutboundVendor, config: OutboundPolicyConfig): string[] {
  const extra = (config.OUTBOUND_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((pattern) => pattern.trim())
    .filter(Boolean);
  return [...VENDOR_HOST_PATTERNS[vendor].patterns, ...extra];
}

export type Resolve = (host: string) => Promise<string[]>;

const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

const LABELS: Record<OutboundVendor, string> = { marketo: 'Marketo', ims: 'Adobe IMS', umapi: 'User Management API', campaign: 'Adobe Campaign' };

/**
 * Refuses (400 `outbound_host_not_allowed`, with a message for the admin) a
 * URL orgbridge must not send a credential to. In the local stage anything
 * goes: the sandboxes listen on loopback.
 */
export async function assertOutboundAllowed(url: string, vendor: OutboundVendor, config: OutboundPolicyConfig, resolve: Resolve = systemResolve): Promise<void> {
  if (config.STAGE === 'local') return;
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const refuse = (why: string) => {
    throw new BadRequestError(`${parsed.host} cannot be used as a ${LABELS[vendor]} host: ${why}`, { code: 'outbound_host_not_allowed', details: { host: parsed.host, vendor } });
  };
  if (parsed.protocol !== 'https:') refuse('only https is allowed.');
  if (isIP(host) && isInternalAddress(host)) refuse('it is a private, link-local or loopback address.');
  const patterns = allowedPatterns(vendor, config);
  if (!patterns.some((pattern) => hostMatches(host, pattern))) {
    refuse(`it matches none of the allowed hosts (${patterns.join(', ')}). See ${VENDOR_HOST_PATTERNS[vendor].documentedAt}; an operator can add a host with OUTBOUND_ALLOWED_HOSTS.`);
  }
  if (isIP(host)) return;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return refuse('the name does not resolve.');
  }
  if (addresses.length === 0) refuse('the name does not resolve.');
  if (addresses.some(isInternalAddress)) refuse('the name resolves to a private, link-local or loopback address.');
}

/**
 * A fetch that checks each request's host before sending it, so an endpoint
 * accepted earlier (or a name that now resolves elsewhere) cannot be used to
 * reach an internal address. Resolutions are reused for a minute.
 */
export function guardedFetch(vendor: OutboundVendor, config: OutboundPolicyConfig, inner: typeof fetch = globalThis.fetch, now: () => number = Date.now): typeof fetch {
  if (config.STAGE === 'local') return inner;
  const checked = new Map<string, number>();
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const origin = new URL(url).origin;
    const until = checked.get(origin);
    if (until === undefined || until <= now()) {
      await assertOutboundAllowed(url, vendor, config);
      checked.set(origin, now() + 60_000);
    }
    return inner(input, init);
  }) as typeof fetch;
}
