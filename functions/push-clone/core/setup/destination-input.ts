import { z } from 'zod';
import { munchkinIdSchema } from '#shared/identifiers.ts';
import { DEFAULT_AUDIENCE_NAMESPACE, DEFAULT_EMAIL_SOURCES, DEFAULT_FIELD_MAPPINGS, emailSourceSchema, END_DATE_BEHAVIORS, fieldMappingSchema, parseMappingId, PERSON_CREATION_MODES } from '#functions/push-clone/core/model.ts';
import { parseInstant } from '#functions/push-clone/core/intake/timestamps.ts';

/** Destination IDs appear in sort keys (`...#<destinationId>#...`), so no `#` and nothing exotic. */
export const destinationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-", at most 64');

/** An ISO date (`2026-05-01`, midnight UTC) or date-time with an offset; stored as a UTC ISO string. */
export const instantSchema = z
  .string()
  .trim()
  .transform((value, context) => {
    const instant = parseInstant(value);
    if (instant === undefined) {
      context.addIssue({ code: 'custom', message: 'an ISO date (2026-05-01) or date-time (2026-05-01T08:00:00Z)' });
      return z.NEVER;
    }
    return new Date(instant).toISOString();
  });

/** AEP's form leaves the end date empty for "sync indefinitely": accept empty, null and absent alike. */
const optionalInstantSchema = z.preprocess((value) => (value === '' || value === null ? undefined : value), instantSchema.optional());

const mappingIdSchema = z.union([z.string(), z.number()]).transform((value, context) => {
  const listId = parseMappingId(value);
  if (listId === undefined) {
    context.addIssue({ code: 'custom', message: 'a Marketo static list ID: 1001, ST1001A1, or the list URL ending #ST1001A1' });
    return z.NEVER;
  }
  return listId;
});

export const audienceInputSchema = z
  .object({
    // Audience IDs go into sort keys too; AEP's are UUIDs.
    audienceId: z.string().trim().regex(/^[^#\s]{1,128}$/, 'an AEP audience ID (no spaces or "#", at most 128)'),
    // segmentMembership's namespace: `ups` for AEP's own audiences, e.g. `CustomerAudienceUpload` for uploaded ones.
    namespace: z.string().trim().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'an AEP audience namespace such as ups').default(DEFAULT_AUDIENCE_NAMESPACE),
    mappingId: mappingIdSchema,
    startDate: instantSchema,
    endDate: optionalInstantSchema,
  })
  .refine((audience) => audience.endDate === undefined || audience.endDate > audience.startDate, {
    message: 'the end date must be after the start date',
    path: ['endDate'],
  });

export const destinationInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).optional(),
  munchkinId: munchkinIdSchema,
  personCreationMode: z.enum(PERSON_CREATION_MODES),
  // The only identity namespace AEP's Marketo destination maps; AEP spells namespaces in either case.
  identityNamespace: z.preprocess((value) => (typeof value === 'string' && value.toLowerCase() === 'email' ? 'Email' : value), z.literal('Email')).default('Email'),
  // Where each profile's email comes from, in order (docs/aep-setup.md); the default reads Adobe's documented examples.
  emailSources: z.array(emailSourceSchema).min(1).max(20).default(DEFAULT_EMAIL_SOURCES),
  // Opt out of the x-gw-ims-org-id check only for a sender that cannot set headers; the token still binds the destination.
  requireImsOrgHeader: z.boolean().default(true),
  fieldMappings: z
    .array(fieldMappingSchema)
    .max(100)
    .default(DEFAULT_FIELD_MAPPINGS)
    .refine((mappings) => new Set(mappings.map((mapping) => mapping.target.toLowerCase())).size === mappings.length, 'each Marketo field may be mapped once'),
  partitionName: z.string().trim().min(1).max(100).optional(),
  endDateBehavior: z.enum(END_DATE_BEHAVIORS).default('freeze'),
  audiences: z
    .array(audienceInputSchema)
    .min(1)
    .max(200)
    .superRefine((audiences, context) => {
      // An audience ID is the membership key: one namespace per ID in a destination.
      const seen = new Set<string>();
      audiences.forEach((audience, index) => {
        if (seen.has(audience.audienceId)) {
          context.addIssue({ code: 'custom', message: `audience ${audience.audienceId} is listed twice`, path: [index, 'audienceId'] });
        }
        seen.add(audience.audienceId);
      });
    }),
});
export type DestinationInput = z.infer<typeof destinationInputSchema>;
