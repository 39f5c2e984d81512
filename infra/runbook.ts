import type { IConstruct } from 'constructs';

/**
 * Every kind of alarm the stack raises and its entry in docs/operations.md
 * (the anchor of its heading). An alarm's description ends with the link, so
 * whoever gets the notification lands on what it means and what to do.
 * test/infra checks that each entry exists in the document.
 */
export const RUNBOOK_ENTRIES = {
  functionErrors: 'alarm-function-errors',
  deadLetters: 'alarm-dead-letter-queue',
  lambdaThrottles: 'alarm-lambda-throttles',
  marketoThrottled: 'alarm-marketo-throttled',
  peopleFailed: 'alarm-people-failed',
  membershipsQuarantined: 'alarm-memberships-quarantined',
  deliveriesNothingAccepted: 'alarm-deliveries-with-nothing-accepted',
  campaignRemovalCap: 'alarm-campaign-removal-cap',
  campaignStaleSyncs: 'alarm-campaign-stale-syncs',
  orgMappingRefusals: 'alarm-org-mapping-refusals',
  apiServerErrors: 'alarm-api-5xx',
  campaignEventsRefused: 'alarm-campaign-events-refused',
} as const;

export type RunbookEntry = keyof typeof RUNBOOK_ENTRIES;

/** Where the runbook is published; `-c runbookUrl=https://.../docs/operations.md` points the links at your copy. */
export const DEFAULT_RUNBOOK_URL = 'docs/operations.md';

/** An alarm description: what happened, then the runbook link (CloudWatch allows 1024 characters). */
export function describeAlarm(scope: IConstruct, what: string, entry: RunbookEntry): string {
  const runbookUrl = String(scope.node.tryGetContext('runbookUrl') ?? DEFAULT_RUNBOOK_URL);
  const link = ` Runbook: ${runbookUrl}#${RUNBOOK_ENTRIES[entry]}`;
  return `${what.slice(0, 1024 - link.length - 1)}.${link}`;
}
