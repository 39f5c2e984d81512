import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseActivation } from '#functions/push-clone/core/intake/activation-parser.ts';
import { DEFAULT_EMAIL_SOURCES, DEFAULT_FIELD_MAPPINGS } from '#functions/push-clone/core/model.ts';
import { pushCloneCapability } from '#functions/push-clone/catalog.ts';
import { repoRoot } from '#local/runtime.ts';

const read = (path: string) => JSON.parse(readFileSync(`${repoRoot}/${path}`, 'utf8')) as Record<string, any>;
const routes = pushCloneCapability.routes.map((route) => `${route.method} ${route.path}`);

/** The AEP-side configuration shipped in aep/ points at routes that exist and produces the shape the webhook reads. */
describe('aep/ configuration', () => {
  it('the Destination SDK server posts to the activation route, templated by the destination ID', () => {
    const server = read('aep/destination-sdk/destination-server.json');
    expect(server.httpTemplate).toMatchObject({ httpMethod: 'POST', contentType: 'application/json', requestBody: { templatingStrategy: 'PEBBLE_V1' } });
    const url = String(server.urlBasedDestination.url.value);
    expect(url.endsWith('/push-clone/destinations/{{customerData.destinationId}}/activations')).toBe(true);
    expect(routes).toContain('POST /push-clone/destinations/{destinationId}/activations');
    // The template writes each profile raw inside {"profiles":[...]}: the documented shape.
    expect(server.httpTemplate.requestBody.value).toBe('{"profiles":[{% for profile in input.profiles %}{{profile|raw}}{% if not loop.last %},{% endif %}{% endfor %}]}');
  });

  it('the destination asks for the orgbridge destination ID with the webhook\'s own pattern, and a bearer token', () => {
    const destination = read('aep/destination-sdk/destination.json');
    expect(destination.customerAuthenticationConfigurations).toEqual([{ authType: 'BEARER' }]);
    expect(destination.customerDataFields[0]).toMatchObject({ name: 'destinationId', isRequired: true, pattern: '^[A-Za-z0-9_-]{1,64}$' });
  });

  it('what the raw-profile template renders from Adobe\'s own input profiles is accepted', () => {
    const profiles = ['dsdk-segments-identities-profile-1.json', 'dsdk-segments-identities-profile-2.json'].map((name) => readFileSync(`${repoRoot}/test/fixtures/aep/${name}`, 'utf8'));
    const rendered = `{"profiles":[${profiles.join(',')}]}`;
    const parsed = parseActivation(rendered, {
      audiences: [{ audienceId: '36a51c13-9dd6-4d2c-8aa3-07d785ea5075' }],
      emailSources: DEFAULT_EMAIL_SOURCES,
      fieldMappings: DEFAULT_FIELD_MAPPINGS,
      receivedAt: Date.parse('2026-01-01T00:00:00Z'),
    });
    expect(parsed.readable && parsed.counts).toMatchObject({ profiles: 2, acceptedProfiles: 2 });
  });

  it('the HTTP API settings name the routes that exist and the org header', () => {
    const http = read('aep/http-api-destination.json');
    expect(http.destinationDetails.httpEndpoint).toMatch(/\/push-clone\/destinations\/\{destinationId\}\/activations$/);
    expect(http.destinationDetails.headers).toMatch(/^x-gw-ims-org-id:/);
    expect(http.authentication.oauth2ClientCredentials.accessTokenUrl).toMatch(/\/push-clone\/destinations\/\{destinationId\}\/oauth\/token$/);
    expect(routes).toContain('POST /push-clone/destinations/{destinationId}/oauth/token');
  });
});
