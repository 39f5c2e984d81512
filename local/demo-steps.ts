import { demo } from './demo-identities';

/**
 * The demo's steps against a running orgbridge, over HTTP as an admin and as
 * AEP would make them: `npm run demo:push`, `npm run screenshots` and the
 * browser tests share them.
 */
export class DemoClient {
  /** Each destination's webhook bearer token, created on first use (every destination has credentials of its own). */
  private readonly webhookTokens = new Map<string, string>([[demo.aepDestinationId, demo.aepWebhookToken]]);

  constructor(
    readonly base: string,
    private readonly adminToken: string,
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = this.adminHeaders()): Promise<any> {
    const response = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = (await response.json()) as any;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(data.error ?? data)}`);
    return data;
  }

  private adminHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' };
  }

  /** Maps the demo instance to the demo org, signing in to the IMS sandbox as its org admin, as the popup would. */
  async mapDemoOrg(log: (line: string) => void = () => undefined): Promise<void> {
    const { munchkinId } = demo.marketo;
    const view = await this.call('GET', `/org-mapping/${munchkinId}`);
    if (view.status === 'mapped') return;
    log(`mapping ${munchkinId} to ${demo.org.id} (signing in to the IMS sandbox as ${demo.imsUsers.orgAdmin.email})`);
    await this.call('PUT', `/org-mapping/${munchkinId}`, { imsOrgId: demo.org.id });
    const { authorizeUrl } = await this.call('POST', `/org-mapping/${munchkinId}/confirm`, {});
    const page = await (await fetch(authorizeUrl)).text();
    const action = /<form method="post" action="([^"]+)">/.exec(page)?.[1];
    const request = /name="request" value="([^"]+)"/.exec(page)?.[1];
    if (!action || !request) throw new Error('the IMS sandbox did not show its sign-in form');
    const signedIn = await fetch(new URL(action, authorizeUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request, email: demo.imsUsers.orgAdmin.email, password: demo.imsUsers.orgAdmin.password }),
      redirect: 'manual',
    });
    const location = signedIn.headers.get('location');
    if (!location) throw new Error('the IMS sandbox did not redirect back');
    await fetch(location);
  }

  /** Sends people into (or out of) an audience through the activation webhook, as AEP does, 1,000 profiles per request. */
  async activate(destinationId: string, audienceId: string, people: DemoPerson[], status: 'realized' | 'exited'): Promise<void> {
    const at = new Date();
    const token = await this.webhookToken(destinationId);
    for (let start = 0; start < people.length; start += 1000) {
      const body = people.slice(start, start + 1000).map((person) => activationProfile(audienceId, person, status, at));
      await this.call('POST', `/push-clone/destinations/${destinationId}/activations`, body, {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-gw-ims-org-id': demo.org.id,
      });
    }
  }

  /** The destination's webhook token: the seeded one of the demo destination, or one created for it now (as an admin would for AEP). */
  private async webhookToken(destinationId: string): Promise<string> {
    const known = this.webhookTokens.get(destinationId);
    if (known) return known;
    const { token } = await this.call('POST', `/push-clone/destinations/${destinationId}/webhook-credentials`, { kind: 'bearer' });
    this.webhookTokens.set(destinationId, token);
    return token;
  }

  /** Fires the push schedule until nothing of the destination is pending (at most `ticks` times). */
  async pushUntilDone(destinationId: string, onTick: (tick: number, status: any) => void = () => undefined, ticks = 200): Promise<any> {
    for (let tick = 1; tick <= ticks; tick += 1) {
      await this.call('POST', '/_local/schedules/push-clone-tick/run');
      // The runner is invoked asynchronously, as Lambda would: give it a moment before reading the status.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const status = await this.call('GET', `/push-clone/destinations/${destinationId}`);
      onTick(tick, status);
      // The first tick may not have folded the inbox yet when the status is read.
      if (tick > 1 && status.audiences.every((audience: { pending: number }) => audience.pending === 0)) return status;
    }
    throw new Error(`still pending after ${ticks} ticks`);
  }
}

export interface DemoPerson {
  email: string;
  firstName: string;
  lastName: string;
  company: string;
}

export function demoPerson(i: number): DemoPerson {
  return { email: `demo.person.${i}@example.com`, firstName: `Demo${i}`, lastName: 'Person', company: i % 7 === 0 ? 'Acme, Inc.' : 'Example Corp' };
}

/** One profile of an AEP activation, in the shape AEP sends. */
function activationProfile(audienceId: string, person: DemoPerson, status: 'realized' | 'exited', at: Date) {
  return {
    segmentMembership: { ups: { [audienceId]: { status, lastQualificationTime: at.toISOString() } } },
    identityMap: { Email: [{ id: person.email }] },
    person: { name: { firstName: person.firstName, lastName: person.lastName } },
    companyName: { value: person.company },
  };
}

/**
 * The demo Marketo instance as its admin (or another integration) changes it
 * behind orgbridge's back, through Marketo's own REST API with the demo API
 * user's credentials.
 */
export class DemoMarketo {
  constructor(private readonly endpoints: { restEndpoint: string; identityEndpoint: string }) {}

  private async token(): Promise<string> {
    const url = new URL(`${this.endpoints.identityEndpoint}/oauth/token`);
    url.search = new URLSearchParams({ grant_type: 'client_credentials', client_id: demo.marketo.clientId, client_secret: demo.marketo.clientSecret }).toString();
    const answer = (await (await fetch(url)).json()) as { access_token?: string };
    if (!answer.access_token) throw new Error('the Marketo sandbox refused the demo API user');
    return answer.access_token;
  }

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
    const response = await fetch(`${this.endpoints.restEndpoint}${path}`, {
      method,
      headers: { authorization: `Bearer ${await this.token()}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json()) as { success?: boolean; errors?: unknown };
    if (!answer.success) throw new Error(`Marketo ${method} ${path}: ${JSON.stringify(answer.errors)}`);
    return answer;
  }

  /** The emails of a static list's members, sorted. */
  async listEmails(listId: number): Promise<string[]> {
    const emails: string[] = [];
    let nextPageToken: string | undefined;
    do {
      const query = new URLSearchParams({ fields: 'email', ...(nextPageToken ? { nextPageToken } : {}) });
      const page = await this.call('GET', `/v1/lists/${listId}/leads.json?${query}`);
      const result = (page.result ?? []) as Array<{ email: string }>;
      emails.push(...result.map((lead) => lead.email));
      nextPageToken = result.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return emails.sort();
  }

  /** Two Marketo people with one email (Marketo's `createDuplicate`), as an import or a form can leave them. */
  async createTwins(email: string, firstNames: [string, string]): Promise<void> {
    await this.call('POST', '/v1/leads.json', { action: 'createDuplicate', lookupField: 'email', input: firstNames.map((firstName) => ({ email, firstName, lastName: 'Twin' })) });
  }

  /** Fixes the duplicates as a Marketo admin would: the newer person gets its own email. */
  async separateTwins(email: string, newEmail: string): Promise<void> {
    const found = await this.call('GET', `/v1/leads.json?filterType=email&filterValues=${encodeURIComponent(email)}`);
    const ids = ((found.result ?? []) as Array<{ id: number }>).map((lead) => lead.id).sort((a, b) => a - b);
    if (ids.length < 2) throw new Error(`${email} has no duplicate in Marketo`);
    await this.call('POST', '/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: ids.at(-1), email: newEmail }] });
  }
}
