import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '#shared/clock.ts';
import { SecretNotFoundError, type SecretStore } from '#shared/secrets/index.ts';

/**
 * Each destination's own webhook credentials, in one secret per destination
 * (`push-clone/webhook/<destinationId>`): bearer tokens and OAuth clients. A
 * credential belongs to exactly one destination, so a token for one is refused
 * on every other. Rotation adds a new credential and gives the current ones an
 * end (`validUntil`, the overlap window), so AEP keeps delivering with the old
 * one until its admin has entered the new one: no delivery is lost.
 */
export const WEBHOOK_CREDENTIAL_KINDS = ['bearer', 'oauth'] as const;
export type WebhookCredentialKind = (typeof WEBHOOK_CREDENTIAL_KINDS)[number];

/** Default and maximum overlap of a rotation: a day to update AEP, at most a week. */
export const DEFAULT_OVERLAP_SECONDS = 24 * 3600;
export const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

const bearerSchema = z.object({ id: z.string(), token: z.string().min(32), createdAt: z.string(), validUntil: z.string().optional() });
const oauthClientSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(32), createdAt: z.string(), validUntil: z.string().optional() });
const credentialSetSchema = z.object({ bearerTokens: z.array(bearerSchema).default([]), oauthClients: z.array(oauthClientSchema).default([]) });
export type CredentialSet = z.infer<typeof credentialSetSchema>;
export type BearerCredential = z.infer<typeof bearerSchema>;
export type OAuthClientCredential = z.infer<typeof oauthClientSchema>;

/** The secret that holds a destination's webhook credentials (catalog grant: `push-clone/webhook/*`). */
export const webhookCredentialSecretName = (destinationId: string) => `push-clone/webhook/${destinationId}`;

export interface CredentialPorts {
  secrets: SecretStore;
  clock: Clock;
}

/** A destination's credential set; empty when it has none (never created, or the destination does not exist). */
export async function readCredentialSet(secrets: SecretStore, destinationId: string, options: { refresh?: boolean } = {}): Promise<CredentialSet> {
  const name = webhookCredentialSecretName(destinationId);
  let text: string;
  try {
    text = options.refresh ? await secrets.refresh(name) : await secrets.get(name);
  } catch (error) {
    if (error instanceof SecretNotFoundError) return { bearerTokens: [], oauthClients: [] };
    throw error;
  }
  try {
    return credentialSetSchema.parse(JSON.parse(text));
  } catch {
    // A hand-edited secret that does not read is no credential at all: refused, never half-trusted.
    return { bearerTokens: [], oauthClients: [] };
  }
}

export function isCurrent(credential: { validUntil?: string }, nowMs: number): boolean {
  return credential.validUntil === undefined || Date.parse(credential.validUntil) > nowMs;
}

export type RotatedCredential =
  | { kind: 'bearer'; id: string; token: string; createdAt: string; previousValidUntil?: string }
  | { kind: 'oauth'; clientId: string; clientSecret: string; createdAt: string; previousValidUntil?: string };

/**
 * Creates a new credential of `kind` for a destination and gives the current
 * ones of that kind `overlapSeconds` more (expired ones are dropped). The new
 * value is answered once and never again.
 */
export async function rotateCredential(ports: CredentialPorts, destinationId: string, kind: WebhookCredentialKind, overlapSeconds: number): Promise<RotatedCredential> {
  const now = ports.clock.now();
  const set = await readCredentialSet(ports.secrets, destinationId, { refresh: true });
  const createdAt = new Date(now).toISOString();
  const overlapEnd = new Date(now + overlapSeconds * 1000).toISOString();
  const wind = <T extends { validUntil?: string }>(credentials: T[]): T[] =>
    credentials.filter((credential) => isCurrent(credential, now)).map((credential) => ({ ...credential, validUntil: earlier(credential.validUntil, overlapEnd) }));
  const hadCurrent = (kind === 'bearer' ? set.bearerTokens : set.oauthClients).some((credential) => isCurrent(credential, now));
  const previousValidUntil = hadCurrent ? overlapEnd : undefined;
  let rotated: RotatedCredential;
  let next: CredentialSet;
  if (kind === 'bearer') {
    const fresh: BearerCredential = { id: randomBytes(4).toString('hex'), token: randomBytes(32).toString('base64url'), createdAt };
    next = { bearerTokens: [...wind(set.bearerTokens), fresh], oauthClients: set.oauthClients.filter((client) => isCurrent(client, now)) };
    rotated = { kind, id: fresh.id, token: fresh.token, createdAt, previousValidUntil };
  } else {
    const fresh: OAuthClientCredential = { clientId: `${destinationId}-${randomBytes(4).toString('hex')}`, clientSecret: randomBytes(32).toString('base64url'), createdAt };
    next = { bearerTokens: set.bearerTokens.filter((token) => isCurrent(token, now)), oauthClients: [...wind(set.oauthClients), fresh] };
    rotated = { kind, clientId: fresh.clientId, clientSecret: fresh.clientSecret, createdAt, previousValidUntil };
  }
  await ports.secrets.put(webhookCredentialSecretName(destinationId), JSON.stringify(next));
  return rotated;
}

/** What an admin may see of a destination's credentials: IDs and validity, never a value. */
export function describeCredentials(set: CredentialSet, nowMs: number) {
  return {
    bearerTokens: set.bearerTokens.filter((token) => isCurrent(token, nowMs)).map(({ id, createdAt, validUntil }) => ({ id, createdAt, validUntil })),
    oauthClients: set.oauthClients.filter((client) => isCurrent(client, nowMs)).map(({ clientId, createdAt, validUntil }) => ({ clientId, createdAt, validUntil })),
  };
}

function earlier(current: string | undefined, candidate: string): string {
  return current !== undefined && current < candidate ? current : candidate;
}

/**
 * Writes a destination's credentials as given: the local runtime's demo
 * destination and tests, which need known values (the admin API always
 * generates them).
 */
export async function storeCredentialSet(secrets: SecretStore, destinationId: string, set: CredentialSet): Promise<void> {
  await secrets.put(webhookCredentialSecretName(destinationId), JSON.stringify(credentialSetSchema.parse(set)));
}
