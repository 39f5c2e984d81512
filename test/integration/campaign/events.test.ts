import { randomUUID } from 'node:crypto';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainOutbox } from '#functions/campaign/core/event-drain.ts';
import type { CampaignChangeSet } from '#functions/campaign/core/model.ts';
import { DETAIL_TYPES, OUTBOX_PARTITION, StoreOutboxPublisher } from '#functions/campaign/core/publisher.ts';
import { EventBridgeSink } from '#shared/events/eventbridge.ts';
import type { Store } from '#shared/store/index.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { lambdaContext } from '#test/support/http-events.ts';
import { useLocalPorts } from '#test/support/local-ports.ts';
import { startMoto, type Moto } from '#test/support/moto.ts';
import { startCampaignWorld } from './world';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const BUS = 'orgbridge-test-campaign';

function changeSet(index: number, overrides: Partial<CampaignChangeSet> = {}): CampaignChangeSet {
  const at = new Date(Date.UTC(2026, 11, 1, 8, 0, index)).toISOString();
  return {
    changeSetId: randomUUID(),
    account: 'acme-mkt-prod1',
    dryRun: false,
    outcome: 'applied',
    startedAt: at,
    completedAt: at,
    linksAdded: [{ operatorGroup: 'analyst', profile: 'Campaign - demo_tenant - analyst' }],
    linksRemoved: [],
    usersAdded: [{ operatorGroup: 'analyst', emails: [`user${index}@example.com`] }],
    usersRemoved: [],
    unmatchedProfiles: [],
    warnings: [],
    removals: { count: 0, cap: 50, applied: true },
    empty: false,
    campaign: { sent: 1, counts: { added: 1 }, links: [{ operatorGroup: 'analyst', email: `user${index}@example.com`, action: 'add', status: 'added' }] },
    ...overrides,
  };
}

/** A consumer as Campaign-side automation would write one: read the queue, dedupe by changeSetId. */
class DedupingConsumer {
  readonly seen = new Map<string, { detailType: string; detail: Record<string, unknown> }>();
  duplicates = 0;
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async drain(expected: number): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (this.seen.size < expected && Date.now() < deadline) await this.receiveOnce();
    // Anything more that is already in the queue (a redelivery) is read too.
    await this.receiveOnce();
  }

  private async receiveOnce(): Promise<void> {
    const out = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const message of out.Messages ?? []) {
      const event = JSON.parse(message.Body ?? '{}') as { source: string; 'detail-type': string; detail: Record<string, unknown> };
      expect(event.source).toBe('orgbridge.campaign');
      const id = String(event.detail.changeSetId);
      if (this.seen.has(id)) this.duplicates += 1;
      else this.seen.set(id, { detailType: event['detail-type'], detail: event.detail });
      await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

describe('Campaign events on EventBridge (moto_server), read back through a rule to an SQS queue', () => {
  let moto: Moto;
  let eventBridge: EventBridgeClient;
  let sqs: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    moto = await startMoto();
    eventBridge = new EventBridgeClient({ region: REGION, endpoint: moto.endpoint, credentials });
    sqs = new SQSClient({ region: REGION, endpoint: moto.endpoint, credentials });
    await eventBridge.send(new CreateEventBusCommand({ Name: BUS }));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'campaign-automation' }))).QueueUrl ?? '';
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    await eventBridge.send(new PutRuleCommand({ Name: 'campaign-change-sets', EventBusName: BUS, EventPattern: JSON.stringify({ source: ['orgbridge.campaign'] }) }));
    await eventBridge.send(new PutTargetsCommand({ Rule: 'campaign-change-sets', EventBusName: BUS, Targets: [{ Id: 'queue', Arn: queueArn }] }));
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });

  const publishAll = async (store: Store, sets: CampaignChangeSet[]) => {
    const outbox = new StoreOutboxPublisher(store, () => Date.now());
    for (const set of sets) await outbox.publish(set);
  };
  const pending = async (store: Store) => (await store.queryAll({ partition: OUTBOX_PARTITION, consistent: true })).filter((item) => item.sentAt === undefined).length;

  it('publishes every applied change set exactly once per changeSetId as a deduping consumer sees it, a redelivery included', async () => {
    const store = await freshStore('campaign-events');
    const sets = [
      ...Array.from({ length: 11 }, (_, index) => changeSet(index)),
      changeSet(11, { outcome: 'partially_applied' }),
      changeSet(12, { outcome: 'removal_cap_exceeded', removals: { count: 80, cap: 50, applied: false } }),
    ];
    await publishAll(store, sets);
    // Publishing a change set twice (a retried sync) keeps one outbox item.
    await publishAll(store, [sets[0]!]);
    const sink = new EventBridgeSink(eventBridge, BUS);
    expect(await drainOutbox({ store, sink, now: () => Date.now() })).toEqual({ sent: 13, failed: 0, failures: [] });
    expect(await pending(store)).toBe(0);
    // Nothing left to send: a second drain sends nothing.
    expect(await drainOutbox({ store, sink, now: () => Date.now() })).toMatchObject({ sent: 0 });

    // A crash after PutEvents but before the item was marked sent: the next drain sends it again.
    const first = sets[0]!;
    await store.update({ pk: OUTBOX_PARTITION, sk: first.changeSetId }, { expression: 'REMOVE sentAt' });
    expect(await drainOutbox({ store, sink, now: () => Date.now() })).toMatchObject({ sent: 1 });

    const consumer = new DedupingConsumer(sqs, queueUrl);
    await consumer.drain(sets.length);
    expect([...consumer.seen.keys()].sort()).toEqual(sets.map((set) => set.changeSetId).sort());
    expect(consumer.duplicates).toBe(1);
    expect(consumer.seen.get(first.changeSetId)).toMatchObject({ detailType: DETAIL_TYPES.applied, detail: { version: 1, truncated: false, account: 'acme-mkt-prod1', usersAdded: first.usersAdded } });
    expect(consumer.seen.get(sets[11]!.changeSetId)?.detailType).toBe(DETAIL_TYPES.partially_applied);
    expect(consumer.seen.get(sets[12]!.changeSetId)?.detailType).toBe(DETAIL_TYPES.removal_cap_exceeded);
  }, 60_000);

  it('keeps change sets pending while the bus refuses them, and sends them once it accepts', async () => {
    const store = await freshStore('campaign-events-refused');
    const sets = [changeSet(0), changeSet(1)];
    await publishAll(store, sets);
    const missingBus = new EventBridgeSink(eventBridge, 'no-such-bus');
    await drainOutbox({ store, sink: missingBus, now: () => Date.now() }).then(
      (result) => expect(result).toMatchObject({ sent: 0, failed: 2 }),
      (error: Error) => expect(error.name).toMatch(/ResourceNotFound/),
    );
    expect(await pending(store)).toBe(2);
    expect(await drainOutbox({ store, sink: new EventBridgeSink(eventBridge, BUS), now: () => Date.now() })).toMatchObject({ sent: 2, failed: 0 });
    const consumer = new DedupingConsumer(sqs, queueUrl);
    await consumer.drain(2);
    expect([...consumer.seen.keys()].sort()).toEqual(sets.map((set) => set.changeSetId).sort());
  }, 60_000);

  it('sends a change set too large for one event as its summary, with counts and truncated: true', async () => {
    const store = await freshStore('campaign-events-large');
    const emails = Array.from({ length: 8_000 }, (_, index) => `a.rather.long.mailbox.name.${index}@subsidiary.example.com`);
    const large = changeSet(0, { usersAdded: [{ operatorGroup: 'analyst', emails }], campaign: { sent: 8_000, counts: { added: 8_000 }, links: [] } });
    await publishAll(store, [large]);
    expect(await drainOutbox({ store, sink: new EventBridgeSink(eventBridge, BUS), now: () => Date.now() })).toMatchObject({ sent: 1 });
    const consumer = new DedupingConsumer(sqs, queueUrl);
    await consumer.drain(1);
    expect(consumer.seen.get(large.changeSetId)?.detail).toMatchObject({ truncated: true, counts: { usersAdded: 8_000 }, campaign: { sent: 8_000 } });
    expect(consumer.seen.get(large.changeSetId)?.detail.usersAdded).toBeUndefined();
  }, 60_000);

  it('runs from the scheduled handler with the bus the stack names', async () => {
    const ports = await useLocalPorts('campaign-events-handler', { CAMPAIGN_EVENT_BUS_NAME: BUS, EVENTBRIDGE_ENDPOINT: moto.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: REGION });
    const set = changeSet(0);
    await publishAll(ports.store, [set]);
    const { handler } = await import('#functions/campaign/handler-events.ts');
    expect(await handler({ schedule: 'campaign-events-tick' }, lambdaContext('campaign-events', 60))).toMatchObject({ sent: 1, failed: 0 });
    await expect(handler({ not: 'a schedule' }, lambdaContext('campaign-events', 60))).rejects.toMatchObject({ code: 'invalid_event' });
    const consumer = new DedupingConsumer(sqs, queueUrl);
    await consumer.drain(1);
    expect([...consumer.seen.keys()]).toEqual([set.changeSetId]);
  }, 60_000);

  it('carries a real sync end to end: what the sync wrote to Campaign is what the bus delivers, once; a dry run sends nothing', async () => {
    const world = await startCampaignWorld('campaign-sync-to-bus');
    try {
      await world.setUp();
      const sink = new EventBridgeSink(eventBridge, BUS);
      const drain = () => drainOutbox({ store: world.store, sink, now: () => world.clock.now() });

      expect(await world.sync({ dryRun: true })).toMatchObject({ status: 'completed', changeSet: { outcome: 'dry_run' } });
      expect(await drain()).toMatchObject({ sent: 0, failed: 0 });

      const applied = await world.sync();
      if (applied.status !== 'completed') throw new Error(`the sync did not complete: ${applied.status}`);
      const { changeSet: set } = applied;
      expect(set.outcome).toBe('applied');
      expect(await drain()).toMatchObject({ sent: 1, failed: 0 });
      // Nothing new to apply: the next sync's change set is empty and publishes nothing.
      await world.sync();
      expect(await drain()).toMatchObject({ sent: 0 });

      const consumer = new DedupingConsumer(sqs, queueUrl);
      await consumer.drain(1);
      expect([...consumer.seen.keys()]).toEqual([set.changeSetId]);
      expect(consumer.duplicates).toBe(0);
      const { detail } = consumer.seen.get(set.changeSetId) ?? { detail: {} };
      expect(detail).toMatchObject({ account: set.account, usersAdded: set.usersAdded, usersRemoved: set.usersRemoved, campaign: { sent: set.campaign?.sent } });
      // The event tells the truth about Campaign: every user it reports added is a member of that operator group there.
      for (const { operatorGroup, emails } of set.usersAdded) {
        const added = emails.filter((email) => set.campaign?.links.some((link) => link.email === email && link.operatorGroup === operatorGroup && link.status === 'added'));
        expect(world.campaign.instance.membersOf(operatorGroup)).toEqual(expect.arrayContaining(added));
      }
      expect(set.campaign?.links.filter((link) => link.status === 'added').length).toBeGreaterThan(0);
    } finally {
      await world.stop();
    }
  }, 60_000);
});
