import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** One event as PutEvents takes it. */
export interface BusEvent {
  source: string;
  detailType: string;
  /** JSON text, at most EVENT_MAX_BYTES with the other fields. */
  detail: string;
  time: Date;
}

/** Per entry, in input order: accepted with its event ID, or refused with EventBridge's error code. */
export type PutResult = { ok: true; eventId: string } | { ok: false; errorCode: string; errorMessage: string };

/** Where events go: EventBridge's PutEvents in production, moto_server in tests. */
export interface EventSink {
  put(events: BusEvent[]): Promise<PutResult[]>;
}

/** PutEvents takes at most 10 entries and 256 KB per request (EventBridge quotas). */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** EventBridge's entry size: source, detail type, detail and resources, in UTF-8 bytes, plus 14 for the time. */
export function entrySize(event: BusEvent): number {
  return Buffer.byteLength(event.source) + Buffer.byteLength(event.detailType) + Buffer.byteLength(event.detail) + 14;
}

/**
 * PutEvents on one bus. A request that fails as a whole throws (the caller
 * retries the batch); entries EventBridge refuses come back as `ok: false`
 * with their error code (the caller retries those entries only).
 */
export class EventBridgeSink implements EventSink {
  private connecting: Promise<EventBridgeClient> | undefined;

  /** `client` may be a factory: the SDK is then loaded at the first put, not at module init (docs/bench.md, "Module init"). */
  constructor(
    private readonly client: EventBridgeClient | (() => Promise<EventBridgeClient>),
    private readonly busName: string,
  ) {}

  static create(options: { busName: string; region: string; endpoint?: string }): EventBridgeSink {
    const connect = async () => new (await import('@aws-sdk/client-eventbridge')).EventBridgeClient({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    return new EventBridgeSink(connect, options.busName);
  }

  async put(events: BusEvent[]): Promise<PutResult[]> {
    if (events.length === 0) return [];
    const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    this.connecting ??= typeof this.client === 'function' ? this.client() : Promise.resolve(this.client);
    const client = await this.connecting;
    const out = await client.send(
      new PutEventsCommand({
        Entries: events.map((event) => ({ EventBusName: this.busName, Source: event.source, DetailType: event.detailType, Detail: event.detail, Time: event.time })),
      }),
    );
    const entries = out.Entries ?? [];
    return events.map((_event, index) => {
      const entry = entries[index];
      if (entry?.EventId && !entry.ErrorCode) return { ok: true, eventId: entry.EventId };
      return { ok: false, errorCode: entry?.ErrorCode ?? 'MissingEntry', errorMessage: entry?.ErrorMessage ?? 'EventBridge returned no result for this entry' };
    });
  }
}
