import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamoSdk, type DynamoSdk } from './dynamo-sdk';
import { ConditionFailedError } from './errors';
import { tableDefinition, type TableKey } from './table';

export type Item = Record<string, unknown> & TableKey;

/** A DynamoDB condition or update expression with its placeholders. */
export interface Expression {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface QueryOptions {
  /** Query gsi1 instead of the table. */
  index?: 'gsi1';
  partition: string;
  /** Only sort keys that begin with this. */
  sortPrefix?: string;
  /** Only sort keys <= this (inclusive), e.g. "due before now". */
  sortAtMost?: string;
  limit?: number;
  startKey?: Record<string, unknown>;
  consistent?: boolean;
  descending?: boolean;
}

export interface Page<T> {
  items: T[];
  nextKey?: Record<string, unknown>;
}

export type TransactOp =
  | { put: Item; condition?: Expression }
  | { update: TableKey; set: Expression; condition?: Expression }
  | { delete: TableKey; condition?: Expression }
  | { check: TableKey; condition: Expression };

/**
 * A condition that every conditional write of a fenced store must meet as
 * well, checked in the same transaction (e.g. "this runner still holds the
 * instance's lease"): a writer that lost it can no longer change anything.
 */
export interface Fence {
  key: TableKey;
  condition: Expression;
  /** What to throw when the fence's condition failed. */
  lost: () => Error;
}

/** DynamoDB's limit on the writes of one transaction. */
export const MAX_TRANSACTION_OPS = 100;

/**
 * Typed access to the one table. Conditional writes that lose become
 * ConditionFailedError carrying the item as it was, so callers never parse SDK
 * error names.
 */
export class Store {
  readonly tableName: string;
  private readonly client: DynamoDBClient | (() => Promise<DynamoDBClient>);
  private readonly fence: Fence | undefined;
  private connecting: Promise<{ doc: DynamoDBDocumentClient; sdk: DynamoSdk }> | undefined;

  /** `client` may be a factory: the SDK and the client are then made at the first call (cold starts do not pay for them). */
  constructor(options: { tableName: string; client: DynamoDBClient | (() => Promise<DynamoDBClient>); fence?: Fence }) {
    this.tableName = options.tableName;
    this.client = options.client;
    this.fence = options.fence;
  }

  private connection(): Promise<{ doc: DynamoDBDocumentClient; sdk: DynamoSdk }> {
    this.connecting ??= (async () => {
      const sdk = await dynamoSdk();
      const client = typeof this.client === 'function' ? await this.client() : this.client;
      const doc = sdk.DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
      return { doc, sdk };
    })();
    return this.connecting;
  }

  /**
   * The same table, with every conditional write (and every transaction) also
   * conditioned on `fence`, in one transaction. Unconditional writes (counters,
   * caches) are not fenced: they record facts whoever writes them. A fenced
   * write costs a transaction (twice the write units), so only writes whose
   * order matters should go through it.
   */
  fenced(fence: Fence): Store {
    const store = new Store({ tableName: this.tableName, client: this.client, fence });
    store.connecting = this.connection();
    return store;
  }

  async get<T extends Item = Item>(key: TableKey, options: { consistent?: boolean } = {}): Promise<T | undefined> {
    const { doc, sdk } = await this.connection();
    const out = await doc.send(
      new sdk.GetCommand({ TableName: this.tableName, Key: pickKey(key), ConsistentRead: options.consistent ?? true }),
    );
    return out.Item as T | undefined;
  }

  async put(item: Item, condition?: Expression): Promise<void> {
    const { doc, sdk } = await this.connection();
    if (this.fence && condition) return this.transact([{ put: item, condition }]);
    try {
      await doc.send(
        new sdk.PutCommand({
          TableName: this.tableName,
          Item: item,
          ...conditionParams(condition),
          ReturnValuesOnConditionCheckFailure: condition ? 'ALL_OLD' : undefined,
        }),
      );
    } catch (error) {
      throw translate(sdk, error, `put ${item.pk}/${item.sk}`);
    }
  }

  /** Writes the item only if no item has its key; otherwise ConditionFailedError with the existing one. */
  putIfAbsent(item: Item): Promise<void> {
    return this.put(item, { expression: 'attribute_not_exists(pk)' });
  }

  /** Applies an update expression; returns the item after the update. */
  async update<T extends Item = Item>(key: TableKey, set: Expression, condition?: Expression): Promise<T> {
    const { doc, sdk } = await this.connection();
    if (this.fence && condition) {
      await this.transact([{ update: key, set, condition }]);
      return (await this.get<T>(key)) as T;
    }
    try {
      const out = await doc.send(
        new sdk.UpdateCommand({
          TableName: this.tableName,
          Key: pickKey(key),
          UpdateExpression: set.expression,
          ConditionExpression: condition?.expression,
          ExpressionAttributeNames: mergeRecords(set.names, condition?.names),
          ExpressionAttributeValues: mergeRecords(set.values, condition?.values),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: condition ? 'ALL_OLD' : undefined,
        }),
      );
      return out.Attributes as T;
    } catch (error) {
      throw translate(sdk, error, `update ${key.pk}/${key.sk}`);
    }
  }

  /** Deletes the item and returns it as it was (undefined when there was none). */
  async delete<T extends Item = Item>(key: TableKey, condition?: Expression): Promise<T | undefined> {
    const { doc, sdk } = await this.connection();
    if (this.fence && condition) {
      const before = await this.get<T>(key);
      await this.transact([{ delete: key, condition }]);
      return before;
    }
    try {
      const out = await doc.send(
        new sdk.DeleteCommand({
          TableName: this.tableName,
          Key: pickKey(key),
          ...conditionParams(condition),
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: condition ? 'ALL_OLD' : undefined,
        }),
      );
      return out.Attributes as T | undefined;
    } catch (error) {
      throw translate(sdk, error, `delete ${key.pk}/${key.sk}`);
    }
  }

  async query<T extends Item = Item>(options: QueryOptions): Promise<Page<T>> {
    const { doc, sdk } = await this.connection();
    const { keyCondition, names, values, index } = this.keyCondition(options);
    const out = await doc.send(
      new sdk.QueryCommand({
        TableName: this.tableName,
        IndexName: index?.indexName,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        Limit: options.limit,
        ExclusiveStartKey: options.startKey,
        ConsistentRead: index ? false : (options.consistent ?? false),
        ScanIndexForward: !options.descending,
      }),
    );
    return { items: (out.Items ?? []) as T[], nextKey: out.LastEvaluatedKey };
  }

  private keyCondition(options: Pick<QueryOptions, 'index' | 'partition' | 'sortPrefix' | 'sortAtMost'>) {
    const index = options.index ? tableDefinition.globalSecondaryIndexes.find((gsi) => gsi.indexName === options.index) : undefined;
    const names: Record<string, string> = { '#pk': index ? index.partitionKey : tableDefinition.partitionKey };
    const values: Record<string, unknown> = { ':pk': options.partition };
    let keyCondition = '#pk = :pk';
    if (options.sortPrefix !== undefined || options.sortAtMost !== undefined) {
      names['#sk'] = index ? index.sortKey : tableDefinition.sortKey;
      keyCondition += options.sortPrefix !== undefined ? ' AND begins_with(#sk, :sk)' : ' AND #sk <= :sk';
      values[':sk'] = options.sortPrefix ?? options.sortAtMost;
    }
    return { keyCondition, names, values, index };
  }

  /**
   * How many items match (Select COUNT, paged). `onlyWith` counts only items
   * that carry that attribute, e.g. the work-queue key of pending items.
   */
  async count(options: Omit<QueryOptions, 'startKey' | 'limit'> & { onlyWith?: string }): Promise<number> {
    const { doc, sdk } = await this.connection();
    const { keyCondition, names, values, index } = this.keyCondition(options);
    let total = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new sdk.QueryCommand({
          TableName: this.tableName,
          IndexName: index?.indexName,
          KeyConditionExpression: keyCondition,
          FilterExpression: options.onlyWith ? 'attribute_exists(#with)' : undefined,
          ExpressionAttributeNames: options.onlyWith ? { ...names, '#with': options.onlyWith } : names,
          ExpressionAttributeValues: values,
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      total += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return total;
  }

  /** Reads many items by key (100 an API call, unprocessed keys retried); missing items are left out. */
  async getMany<T extends Item = Item>(keys: TableKey[], options: { consistent?: boolean } = {}): Promise<T[]> {
    const { doc, sdk } = await this.connection();
    const found: T[] = [];
    for (let start = 0; start < keys.length; start += 100) {
      let pending: Array<Record<string, unknown>> = keys.slice(start, start + 100).map(pickKey);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        const out = await doc.send(
          new sdk.BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: options.consistent ?? true } } }),
        );
        found.push(...((out.Responses?.[this.tableName] ?? []) as T[]));
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Array<Record<string, unknown>>;
      }
    }
    return found;
  }

  /** Every item of a partition (pages internally); for small partitions only. */
  async queryAll<T extends Item = Item>(options: Omit<QueryOptions, 'startKey'>): Promise<T[]> {
    const all: T[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: Page<T> = await this.query<T>({ ...options, startKey });
      all.push(...page.items);
      startKey = page.nextKey;
    } while (startKey && (options.limit === undefined || all.length < options.limit));
    return all;
  }

  /**
   * `queryAll` over several partitions (the shards of one sharded key),
   * merged in sort-key order (`sk`, or `gsi1sk` for the index) as one
   * partition would have answered. `limit` caps each partition's read.
   */
  async queryAllOf<T extends Item = Item>(partitions: readonly string[], options: Omit<QueryOptions, 'startKey' | 'partition'>): Promise<T[]> {
    const pages = await Promise.all(partitions.map((partition) => this.queryAll<T>({ ...options, partition })));
    const sortKey = options.index === 'gsi1' ? 'gsi1sk' : 'sk';
    const order = options.descending ? -1 : 1;
    const keyOf = (item: T) => String(item[sortKey] ?? '');
    return pages.flat().sort((a, b) => (keyOf(a) < keyOf(b) ? -order : keyOf(a) > keyOf(b) ? order : 0));
  }

  /** Unconditional puts, 25 an API call, retrying what DynamoDB leaves unprocessed. */
  async putMany(items: Item[]): Promise<void> {
    const { doc, sdk } = await this.connection();
    for (let start = 0; start < items.length; start += 25) {
      let requests = items.slice(start, start + 25).map((item) => ({ PutRequest: { Item: item } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        const out = await doc.send(new sdk.BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }

  /** Unconditional deletes by key, 25 an API call, retrying what DynamoDB leaves unprocessed. */
  async deleteMany(keys: TableKey[]): Promise<void> {
    const { doc, sdk } = await this.connection();
    for (let start = 0; start < keys.length; start += 25) {
      let requests = keys.slice(start, start + 25).map((key) => ({ DeleteRequest: { Key: pickKey(key) } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        const out = await doc.send(new sdk.BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }

  /**
   * All-or-nothing writes (at most 100, one fewer on a fenced store). A failed
   * condition becomes ConditionFailedError with the item as it was; a failed
   * fence becomes the fence's error.
   */
  async transact(ops: TransactOp[]): Promise<void> {
    const { doc, sdk } = await this.connection();
    const fenced = this.fence ? [...ops, { check: this.fence.key, condition: this.fence.condition }] : ops;
    const failure = (condition: Expression | undefined) => (condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {});
    const TransactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = fenced.map((op) => {
      const TableName = this.tableName;
      if ('put' in op) return { Put: { TableName, Item: op.put, ...conditionParams(op.condition), ...failure(op.condition) } };
      if ('update' in op) {
        return {
          Update: {
            TableName,
            Key: pickKey(op.update),
            UpdateExpression: op.set.expression,
            ConditionExpression: op.condition?.expression,
            ExpressionAttributeNames: mergeRecords(op.set.names, op.condition?.names),
            ExpressionAttributeValues: mergeRecords(op.set.values, op.condition?.values),
            ...failure(op.condition),
          },
        };
      }
      if ('delete' in op) return { Delete: { TableName, Key: pickKey(op.delete), ...conditionParams(op.condition), ...failure(op.condition) } };
      return {
        ConditionCheck: {
          TableName,
          Key: pickKey(op.check),
          ConditionExpression: op.condition.expression,
          ExpressionAttributeNames: op.condition.names,
          ExpressionAttributeValues: op.condition.values,
        },
      };
    });
    try {
      await doc.send(new sdk.TransactWriteCommand({ TransactItems }));
    } catch (error) {
      if (this.fence && error instanceof sdk.TransactionCanceledException && error.CancellationReasons?.[ops.length]?.Code === 'ConditionalCheckFailed') {
        throw this.fence.lost();
      }
      throw translate(sdk, error, 'transaction');
    }
  }
}

function pickKey(key: TableKey): TableKey {
  return { pk: key.pk, sk: key.sk };
}

function conditionParams(condition: Expression | undefined) {
  if (!condition) return {};
  return {
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: condition.names,
    ExpressionAttributeValues: condition.values,
  };
}

function mergeRecords<T>(a?: Record<string, T>, b?: Record<string, T>): Record<string, T> | undefined {
  if (!a && !b) return undefined;
  return { ...a, ...b };
}

function translate(sdk: DynamoSdk, error: unknown, operation: string): unknown {
  if (error instanceof sdk.ConditionalCheckFailedException) {
    const existing = error.Item ? sdk.unmarshall(error.Item) : undefined;
    return new ConditionFailedError(`Condition failed on ${operation}`, { existing, cause: error });
  }
  if (error instanceof sdk.TransactionCanceledException) {
    const failed = error.CancellationReasons?.find((reason) => reason.Code === 'ConditionalCheckFailed');
    if (failed) return new ConditionFailedError(`Condition failed on ${operation}`, { existing: failed.Item ? sdk.unmarshall(failed.Item) : undefined, cause: error });
  }
  return error;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
