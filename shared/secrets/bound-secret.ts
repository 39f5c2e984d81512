import { z } from 'zod';
import type { SecretStore } from './secret-store';

/**
 * A tenant's credential (a Marketo instance's API user, a Campaign account's
 * IMS credential) is stored together with the hosts it was given for, and is
 * only ever handed out for those hosts. An admin who re-points an instance at
 * their own host must give a secret again; a container that still caches the
 * old secret sees that its binding no longer matches, rereads the store, and
 * gets the new (junk) secret bound to the new host, never the old one.
 */
const boundSecretSchema = z.object({ boundTo: z.array(z.string()).min(1), value: z.string() });

export class SecretBoundElsewhereError extends Error {
  constructor(readonly secretName: string) {
    super(`Secret ${secretName} was given for other hosts than the ones now configured: give the secret again with the new endpoints.`);
    this.name = 'SecretBoundElsewhereError';
  }
}

/** The binding of a set of URLs: their origins (scheme, host, port), sorted, without repeats. */
export function originsOf(urls: readonly string[]): string[] {
  return [...new Set(urls.map((url) => new URL(url).origin))].sort();
}

export async function putBoundSecret(store: SecretStore, name: string, urls: readonly string[], value: string): Promise<void> {
  await store.put(name, JSON.stringify({ boundTo: originsOf(urls), value }));
}

/**
 * The secret, if it was given for exactly these URLs' hosts. A cached value
 * bound elsewhere is reread once (another container changed the endpoints);
 * if the store still holds another binding, nothing is returned.
 * `fresh` skips the cache (a vendor refused the cached secret).
 */
export async function readBoundSecret(store: SecretStore, name: string, urls: readonly string[], options: { fresh?: boolean } = {}): Promise<string> {
  const wanted = originsOf(urls).join(' ');
  const matching = (raw: string): string | undefined => {
    const parsed = boundSecretSchema.safeParse(safeJson(raw));
    return parsed.success && originsOf(parsed.data.boundTo).join(' ') === wanted ? parsed.data.value : undefined;
  };
  const first = matching(options.fresh ? await store.refresh(name) : await store.get(name));
  if (first !== undefined) return first;
  const reread = options.fresh ? undefined : matching(await store.refresh(name));
  if (reread !== undefined) return reread;
  throw new SecretBoundElsewhereError(name);
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
