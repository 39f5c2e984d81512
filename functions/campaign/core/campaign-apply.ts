import { CampaignUnavailableError } from '#shared/campaign/index.ts';
import type { AppError } from '#shared/errors.ts';
import type { CampaignDirectory, OperatorGroupLink } from './campaign-connector';
import type { CampaignLinkResult, CampaignLinkStatus } from './model';
import { compare } from './profiles';

/** Links per WriteCollection: one transaction each, small enough that one refusal costs little. */
export const WRITE_BATCH = 100;

export interface ApplyRequest {
  /** Users to link to each operator group. */
  add: Array<{ operatorGroup: string; emails: string[] }>;
  /** Users to unlink (already within the removal cap). */
  remove: Array<{ operatorGroup: string; emails: string[] }>;
  /** A dry run reads Campaign and reports, but sends nothing. */
  dryRun: boolean;
}

export interface ApplyReport {
  links: CampaignLinkResult[];
  /** Links written to Campaign by this run. */
  sent: number;
  /** Why some links failed (the first error), when any did. */
  error?: { code: string; message: string };
}

type Planned = CampaignLinkResult & { ids?: OperatorGroupLink };

/**
 * Applies a change set to Campaign without repeating what Campaign already
 * has: it reads the groups, operators and current links first, sends only
 * the difference, and reports per link what happened. Operators and groups
 * are never created: a missing one is reported. A refused batch is retried
 * link by link, so one bad link does not hold up the others; an outage
 * stops the run and the links not sent are reported as failed (the next run
 * sends them, and nothing else).
 */
export async function applyToCampaign(directory: CampaignDirectory, request: ApplyRequest): Promise<ApplyReport> {
  const wanted = [...request.add.map((group) => ({ ...group, action: 'add' as const })), ...request.remove.map((group) => ({ ...group, action: 'remove' as const }))];
  if (wanted.length === 0) return { links: [], sent: 0 };
  const groupNames = [...new Set(wanted.map((group) => group.operatorGroup))].sort(compare);
  const emails = [...new Set(wanted.flatMap((group) => group.emails))].sort(compare);
  const groupIds = await directory.groupIds(groupNames);
  const operatorIds = await directory.operatorIds(emails);
  const existing = await directory.linksOf([...groupIds.values()]);

  const planned: Planned[] = [];
  for (const { operatorGroup, emails: members, action } of wanted) {
    const groupId = groupIds.get(operatorGroup);
    for (const email of members) {
      const operatorId = operatorIds.get(email.toLowerCase());
      const base = { operatorGroup, email, action };
      if (groupId === undefined || operatorId === undefined) {
        // Nothing to remove where there is no group or no operator; an addition is reported, never created.
        const status: CampaignLinkStatus = action === 'remove' ? 'already_absent' : groupId === undefined ? 'group_not_found' : 'operator_not_found';
        planned.push({ ...base, status });
        continue;
      }
      const present = existing.has(`${operatorId}:${groupId}`);
      if (action === 'add' && present) planned.push({ ...base, status: 'already_present' });
      else if (action === 'remove' && !present) planned.push({ ...base, status: 'already_absent' });
      else planned.push({ ...base, status: 'not_sent', ids: { operatorId, groupId } });
    }
  }

  const toSend = planned.filter((link) => link.ids !== undefined);
  let sent = 0;
  let error: ApplyReport['error'];
  if (!request.dryRun) {
    const settle = (links: Planned[], outcome: 'done' | AppError) => {
      for (const link of links) {
        if (outcome === 'done') link.status = link.action === 'add' ? 'added' : 'removed';
        else {
          link.status = 'failed';
          link.error = outcome.code;
        }
      }
      if (outcome === 'done') sent += links.length;
      else error ??= { code: outcome.code, message: outcome.message };
    };
    const send = (links: Planned[]) => directory.write({ add: links.filter((l) => l.action === 'add').map((l) => l.ids!), remove: links.filter((l) => l.action === 'remove').map((l) => l.ids!) });
    let down: AppError | undefined;
    for (let start = 0; start < toSend.length; start += WRITE_BATCH) {
      const batch = toSend.slice(start, start + WRITE_BATCH);
      if (down) {
        settle(batch, down);
        continue;
      }
      try {
        await send(batch);
        settle(batch, 'done');
      } catch (failure) {
        if (!isAppError(failure)) throw failure;
        if (failure instanceof CampaignUnavailableError) {
          down = failure;
          settle(batch, failure);
          continue;
        }
        // Refused as a whole: find out which links Campaign refuses, one at a time.
        for (const link of batch) {
          try {
            await send([link]);
            settle([link], 'done');
          } catch (single) {
            if (!isAppError(single)) throw single;
            settle([link], single);
            if (single instanceof CampaignUnavailableError) down = single;
            if (down) break;
          }
        }
        if (down) settle(batch.filter((link) => link.status === 'not_sent'), down);
      }
    }
  }
  return { links: planned.map(({ ids: _ids, ...link }) => link), sent, ...(error ? { error } : {}) };
}

function isAppError(error: unknown): error is AppError {
  return error instanceof Error && 'code' in error && 'status' in error;
}

/** How many links ended in each status. */
export function countByStatus(links: CampaignLinkResult[]): Partial<Record<CampaignLinkStatus, number>> {
  const counts: Partial<Record<CampaignLinkStatus, number>> = {};
  for (const link of links) counts[link.status] = (counts[link.status] ?? 0) + 1;
  return counts;
}
