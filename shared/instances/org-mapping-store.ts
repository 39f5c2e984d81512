import { z } from 'zod';
import type { Store } from '#shared/store/index.ts';

/**
 * The org mapping of one Marketo instance. `confirmed` is the mapping in force;
 * `draft` is what the admin entered (Edit, OK) and has not confirmed yet. A
 * failed or abandoned attempt only ever touches `draft` and `lastAttempt`.
 */
export const confirmedMappingSchema = z.object({
  imsOrgId: z.string(),
  /** The Adobe user who confirmed it (IMS `sub`), and the Marketo user's email. */
  adobeUserSub: z.string(),
  marketoUserEmail: z.string(),
  confirmedAt: z.string(),
});
export type ConfirmedMapping = z.infer<typeof confirmedMappingSchema>;

export const orgMappingSchema = z.object({
  munchkinId: z.string(),
  confirmed: confirmedMappingSchema.optional(),
  draft: z.object({ imsOrgId: z.string(), enteredAt: z.string(), enteredBy: z.string() }).optional(),
  lastAttempt: z
    .object({ attemptId: z.string(), status: z.enum(['pending', 'mapped', 'failed']), reason: z.string().optional(), at: z.string() })
    .optional(),
  version: z.number().int().nonnegative(),
});
export type OrgMapping = z.infer<typeof orgMappingSchema>;

export const orgMappingKey = (munchkinId: string) => ({ pk: `INSTANCE#${munchkinId}`, sk: 'ORGMAP' });

export async function readOrgMapping(store: Store, munchkinId: string): Promise<OrgMapping | undefined> {
  const item = await store.get(orgMappingKey(munchkinId));
  return item ? orgMappingSchema.parse(item) : undefined;
}

/** The confirmed mapping in force, if any: what other capabilities (push clone) require. */
export async function readConfirmedMapping(store: Store, munchkinId: string): Promise<ConfirmedMapping | undefined> {
  return (await readOrgMapping(store, munchkinId))?.confirmed;
}
