import { parkInstance } from '#functions/push-clone/core/instance/park.ts';
import { z } from 'zod';
import { centralDay, nextCentralMidnight, type MarketoClient } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';
import { keys } from '#functions/push-clone/core/model.ts';

/**
 * The instance's whole daily quota, shared with every other integration on it
 * (Marketo counts all API users together). The runner reads Marketo's usage
 * for the day (Get Daily Usage, one call) before its first batch and again
 * after every `recheckEvery` calls of its own, and spends only what is left
 * above `floor`: the calls kept for the customer's other integrations. When
 * nothing is left it parks the instance until the quota resets (midnight US
 * Central), so it never causes a 607 for anyone. The 20 s window is shared the
 * same way; Marketo reports no window usage, so there the call budget keeps to
 * our share and a 606 (someone else's burst) makes it wait a window.
 */
export interface QuotaSettings {
  dailyQuota: number;
  floor: number;
  /** Our own calls between two readings of Marketo's usage. */
  recheckEvery: number;
}

export const QUOTA_RECHECK_EVERY = 500;
const BATCH_CALLS_MARGIN = 10;

/** `INSTANCE#<munchkinId>` / `MARKETO_USAGE#<yyyy-mm-dd>`: Marketo's usage for the day as last read (every API user). */
export const usageKey = (munchkinId: string, centralDate: string) => ({ pk: `INSTANCE#${munchkinId}`, sk: `MARKETO_USAGE#${centralDate}` });

export const usageItemSchema = z.object({ centralDate: z.string(), total: z.number(), readAt: z.string(), users: z.array(z.object({ userId: z.string(), count: z.number() })).default([]) });
export type UsageItem = z.infer<typeof usageItemSchema>;

export class InstanceQuota {
  /** Calls we may still make before reading usage again. */
  private allowance = 0;
  private spentAtReading = 0;
  private read = false;

  constructor(
    private readonly ports: { store: Store; marketo: MarketoClient; now: () => number },
    private readonly munchkinId: string,
    private readonly settings: QuotaSettings,
    /** Our REST calls so far in this run (the client's count). */
    private readonly spent: () => number,
  ) {}

  /**
   * Before calls: undefined to go on, or a message saying why the instance is
   * parked (the floor reached). Reads Marketo's usage when this run has not yet,
   * or has spent what the last reading allowed.
   */
  async check(): Promise<string | undefined> {
    const used = this.spent() - this.spentAtReading;
    if (this.read && used < Math.min(this.allowance, this.settings.recheckEvery)) return undefined;
    const usage = await this.ports.marketo.getDailyUsage();
    this.read = true;
    this.spentAtReading = this.spent();
    const now = this.ports.now();
    const centralDate = centralDay(now);
    await this.ports.store.put({ ...usageKey(this.munchkinId, centralDate), centralDate, total: usage.total, users: usage.users, readAt: new Date(now).toISOString(), expiresAt: Math.floor(now / 1000) + 8 * 86_400 });
    // The reading itself is one call, and one batch may make a few (several destinations, retries) after the last check.
    this.allowance = this.settings.dailyQuota - this.settings.floor - usage.total - 1 - BATCH_CALLS_MARGIN;
    if (this.allowance > 0) return undefined;
    const resumeAt = new Date(nextCentralMidnight(now)).toISOString();
    const reason = `Marketo instance ${this.munchkinId} has used ${usage.total} of its ${this.settings.dailyQuota} calls today; the last ${this.settings.floor} are left to its other integrations (MARKETO_DAILY_FLOOR): parked until ${resumeAt}`;
    await parkInstance(this.ports.store, this.munchkinId, resumeAt, reason);
    return reason;
  }
}

export async function readUsage(store: Store, munchkinId: string, centralDate: string): Promise<UsageItem | undefined> {
  const item = await store.get(usageKey(munchkinId, centralDate));
  const parsed = item ? usageItemSchema.safeParse(item) : undefined;
  return parsed?.success ? parsed.data : undefined;
}
