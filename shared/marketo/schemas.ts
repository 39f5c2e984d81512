import { z } from 'zod';

/**
 * Marketo's answers, parsed rather than trusted. Codes are documented as quoted
 * integers; a bare number is accepted and turned into the same string.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes
 */
const code = z.union([z.string(), z.number()]).transform(String);

export const reasonSchema = z.object({ code, message: z.string().default('') });
export type MarketoReason = z.infer<typeof reasonSchema>;

/** The envelope of every REST answer; `result` is parsed per endpoint afterwards. */
export const envelopeSchema = z.object({
  requestId: z.string().optional(),
  success: z.boolean(),
  result: z.array(z.unknown()).optional(),
  errors: z.array(reasonSchema).optional(),
  warnings: z.array(z.unknown()).optional(),
  moreResult: z.boolean().optional(),
  nextPageToken: z.string().optional(),
});
export type MarketoEnvelope = z.infer<typeof envelopeSchema>;

export const tokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().nonnegative(),
  scope: z.string().optional(),
});

const skipped = z.object({ status: z.literal('skipped'), reasons: z.array(reasonSchema).default([]), id: z.number().optional() });

export const syncLeadResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('created'), id: z.number() }),
  z.object({ status: z.literal('updated'), id: z.number() }),
  skipped,
]);
export type SyncLeadResult = z.infer<typeof syncLeadResultSchema>;

/** A lead as Marketo returns it: `id` always, other fields as asked for (absent means null). */
export const leadSchema = z.looseObject({ id: z.number(), email: z.string().nullable().optional() });
export type MarketoLead = z.infer<typeof leadSchema>;

export const staticListSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  description: z.string().nullable().optional(),
  programName: z.string().nullable().optional(),
  workspaceName: z.string().nullable().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type MarketoStaticList = z.infer<typeof staticListSchema>;

export const addToListResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('added'), id: z.number() }),
  skipped.extend({ id: z.number() }),
]);
export type AddToListResult = z.infer<typeof addToListResultSchema>;

export const removeFromListResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('removed'), id: z.number() }),
  skipped.extend({ id: z.number() }),
]);
export type RemoveFromListResult = z.infer<typeof removeFromListResultSchema>;

export const memberOfListResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('memberof'), id: z.number() }),
  z.object({ status: z.literal('notmemberof'), id: z.number() }),
  skipped.extend({ id: z.number() }),
]);
export type MemberOfListResult = z.infer<typeof memberOfListResultSchema>;

export const importStatusSchema = z.object({
  batchId: z.number(),
  importId: z.string().optional(),
  status: z.enum(['Queued', 'Importing', 'Complete', 'Failed']),
  numOfLeadsProcessed: z.number().optional(),
  numOfRowsFailed: z.number().optional(),
  numOfRowsWithWarning: z.number().optional(),
  message: z.string().optional(),
});
export type ImportStatus = z.infer<typeof importStatusSchema>;

/**
 * A bulk lead extract job's status. Adobe's pages spell the cancelled state
 * both `Canceled` (the list of states) and `Cancelled` (the cancel example):
 * both are read as one.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-extract
 */
export const exportStatusSchema = z.looseObject({
  exportId: z.string().min(1),
  status: z.enum(['Created', 'Queued', 'Processing', 'Completed', 'Failed', 'Cancelled', 'Canceled']).transform((status) => (status === 'Canceled' ? 'Cancelled' : status)),
  format: z.string().optional(),
  createdAt: z.string().optional(),
  queuedAt: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  numberOfRecords: z.number().int().nonnegative().optional(),
  fileSize: z.number().int().nonnegative().optional(),
  fileChecksum: z.string().optional(),
  errorMsg: z.string().optional(),
});
export type ExportStatus = z.infer<typeof exportStatusSchema>;

/** What a lead extract is asked for: REST field names (the file's header, unless renamed) and one filter. */
export interface LeadExportRequest {
  fields: readonly string[];
  filter: { staticListId: number } | { staticListName: string } | { createdAt: { startAt: string; endAt: string } };
  columnHeaderNames?: Readonly<Record<string, string>>;
}

/**
 * One field of Describe Lead (`GET /rest/v1/leads/describe.json`): a field is
 * usable over REST only when `rest` is present; `rest.name` is its REST name.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/leads#describe
 */
export const describedFieldSchema = z.looseObject({
  id: z.number(),
  displayName: z.string(),
  dataType: z.string(),
  length: z.number().nullable().optional(),
  rest: z.looseObject({ name: z.string(), readOnly: z.boolean().default(false) }).optional(),
});
export type DescribedField = z.infer<typeof describedFieldSchema>;

/** A lead field as setup offers it: the REST name a field mapping targets. */
export interface LeadField {
  name: string;
  displayName: string;
  dataType: string;
  readOnly: boolean;
}

/** A lead partition (`GET /rest/v1/leads/partitions.json`); `name` is what Sync Leads' `partitionName` takes. */
export const partitionSchema = z.looseObject({ id: z.number(), name: z.string(), description: z.string().nullable().optional() });
export type MarketoPartition = z.infer<typeof partitionSchema>;

/** Get Daily Usage: the instance's REST calls today (US Central day), every API user's together and per user. */
export const dailyUsageSchema = z.object({
  date: z.string(),
  total: z.number().int().nonnegative(),
  users: z.array(z.object({ userId: z.string(), count: z.number().int().nonnegative() })).default([]),
});
export type DailyUsage = z.infer<typeof dailyUsageSchema>;
