import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

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
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  static create(options: { busName: string; region: string; endpoint?: string }): EventBridgeSink {
    return new EventBridgeSink(new EventBridgeClient({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) }), options.busName);
  }

  async put(events: BusEvent[]): Promise<PutResult[]> {
    if (events.length === 0) return [];
    const out = await this.client.send(
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
