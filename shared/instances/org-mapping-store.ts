import { z } from 'zod';
import { ConditionFailedError, type Store } from '#shared/store/index.ts';

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

/**
 * Read-modify-write of the mapping item, conditioned on its version so two
 * admins (or a callback and an edit) cannot overwrite each other unseen.
 */
export async function updateMapping(store: Store, munchkinId: string, change: (current: OrgMapping) => OrgMapping, attempts = 5): Promise<OrgMapping> {
  for (let attempt = 1; ; attempt += 1) {
    const current = (await readOrgMapping(store, munchkinId)) ?? { munchkinId, version: 0 };
    const next = { ...change(current), munchkinId, version: current.version + 1 };
    try {
      await store.put(
        { ...orgMappingKey(munchkinId), type: 'org-mapping', ...next },
        current.version === 0 ? { expression: 'attribute_not_exists(pk)' } : { expression: 'version = :v', values: { ':v': current.version } },
      );
      return next;
    } catch (error) {
      if (!(error instanceof ConditionFailedError) || attempt >= attempts) throw error;
    }
  }
}
