import { z } from 'zod';

/**
 * Campaign items in the one table. Accounts share one partition so the
 * scheduler lists them with one query; everything else of an account lives
 * under its own partition.
 *
 * | item | pk | sk |
 * |---|---|---|
 * | external account | `CAMPAIGN_ACCOUNT` | `<account>` |
 * | operator groups | `CAMPAIGN#<account>` | `OPGROUPS` |
 * | sync status | `CAMPAIGN#<account>` | `STATUS` |
 * | applied link of one operator group | `CAMPAIGN#<account>` | `LINK#<operatorGroup>` |
 * | applied change set (history) | `CAMPAIGN#<account>` | `CHANGESET#<completedAt>#<id>` |
 * | resumable cursor head / chunks | `CAMPAIGN#<account>` | `CURSOR` / `CURSOR#<runId>#<n>` |
 * | outbox event | `OUTBOX#campaign` | `<changeSetId>` |
 */
export const keys = {
  accountsPartition: 'CAMPAIGN_ACCOUNT',
  account: (account: string) => ({ pk: 'CAMPAIGN_ACCOUNT', sk: account }),
  partition: (account: string) => `CAMPAIGN#${account}`,
  operatorGroups: (account: string) => ({ pk: `CAMPAIGN#${account}`, sk: 'OPGROUPS' }),
  status: (account: string) => ({ pk: `CAMPAIGN#${account}`, sk: 'STATUS' }),
  link: (account: string, group: string) => ({ pk: `CAMPAIGN#${account}`, sk: `LINK#${group}` }),
  changeSet: (account: string, completedAt: string, id: string) => ({ pk: `CAMPAIGN#${account}`, sk: `CHANGESET#${completedAt}#${id}` }),
  cursor: (account: string) => ({ pk: `CAMPAIGN#${account}`, sk: 'CURSOR' }),
  cursorChunk: (account: string, runId: string, index: number) => ({ pk: `CAMPAIGN#${account}`, sk: `CURSOR#${runId}#${index}` }),
  lease: (account: string) => `campaign-sync#${account}`,
};

/** A Campaign instance name as the `{account}` key: one external account per instance. */
export const accountKeySchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'a Campaign instance name: letters, digits, "-" and "_", up to 63 characters')
  .transform((value) => value.toLowerCase());

/** Campaign internal names are identifiers; anything else could never be the target of a login. */
export const operatorGroupNameSchema = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'an operator group internal name: letters, digits and "_"');

export const DEFAULT_REMOVAL_CAP = 50;

export const accountSchema = z.object({
  account: z.string(),
  imsServer: z.string(),
  clientId: z.string(),
  callbackServer: z.string(),
  imsOrgId: z.string(),
  associationMask: z.string(),
  caseInsensitive: z.boolean(),
  tenant: z.string(),
  removalCapPerRun: z.number().int().min(0),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type CampaignAccount = z.infer<typeof accountSchema>;

export const statusSchema = z.object({
  lastStartedAt: z.number().optional(),
  lastCompletedAt: z.number().optional(),
  resumeAt: z.number().optional(),
  lastOutcome: z.string().optional(),
});
export type SyncStatus = z.infer<typeof statusSchema>;

export const linkItemSchema = z.object({ operatorGroup: z.string(), profiles: z.array(z.string()), emails: z.array(z.string()) });
export type AppliedLink = z.infer<typeof linkItemSchema>;

const warningSchema = z.object({
  code: z.enum(['duplicate_operator_group', 'surrounding_spaces', 'admin_operator_group']),
  message: z.string(),
  profiles: z.array(z.string()),
  operatorGroup: z.string().optional(),
});
export type SyncWarning = z.infer<typeof warningSchema>;

const membersSchema = z.object({ operatorGroup: z.string(), emails: z.array(z.string()) });

/**
 * What became of one operator <-> group link in Campaign: sent and done
 * (`added`, `removed`), nothing to send (`already_present`,
 * `already_absent`), reported and never created (`operator_not_found`,
 * `group_not_found`), `failed` (sent again by the next run), or `not_sent`
 * (a dry run).
 */
export const campaignLinkStatuses = ['added', 'removed', 'already_present', 'already_absent', 'operator_not_found', 'group_not_found', 'failed', 'not_sent'] as const;
export type CampaignLinkStatus = (typeof campaignLinkStatuses)[number];
export const campaignLinkResultSchema = z.object({
  operatorGroup: z.string(),
  email: z.string(),
  action: z.enum(['add', 'remove']),
  status: z.enum(campaignLinkStatuses),
  /** The error code of a failed link (campaign_fault, campaign_unavailable, ...). */
  error: z.string().optional(),
});
export type CampaignLinkResult = z.infer<typeof campaignLinkResultSchema>;

export const changeSetSchema = z.object({
  changeSetId: z.string(),
  account: z.string(),
  dryRun: z.boolean(),
  /** applied | partially_applied (some links failed in Campaign: the next run retries them) | dry_run | removal_cap_exceeded (additions applied, no removal). */
  outcome: z.enum(['applied', 'partially_applied', 'dry_run', 'removal_cap_exceeded']),
  startedAt: z.string(),
  completedAt: z.string(),
  /** Operator groups newly linked to a profile, and links that no longer hold. */
  linksAdded: z.array(z.object({ operatorGroup: z.string(), profile: z.string() })),
  linksRemoved: z.array(z.object({ operatorGroup: z.string(), profile: z.string() })),
  usersAdded: z.array(membersSchema),
  usersRemoved: z.array(membersSchema),
  /** Captured names with no operator group in Campaign: reported, never created. */
  unmatchedProfiles: z.array(z.object({ profile: z.string(), captured: z.string() })),
  warnings: z.array(warningSchema),
  removals: z.object({ count: z.number(), cap: z.number(), applied: z.boolean() }),
  /** No link or membership changes: nothing to apply or publish. */
  empty: z.boolean(),
  /** What was done in the Campaign instance, per link (absent in change sets older than the Campaign apply). */
  campaign: z
    .object({
      /** Links written to Campaign by this run (within the removal cap; 0 for a dry run). */
      sent: z.number(),
      counts: z.partialRecord(z.enum(campaignLinkStatuses), z.number()),
      links: z.array(campaignLinkResultSchema),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    })
    .optional(),
});
export type CampaignChangeSet = z.infer<typeof changeSetSchema>;
