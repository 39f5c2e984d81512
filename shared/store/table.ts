/**
 * The single DynamoDB table, described once. The CDK stack and the local
 * runtime both build the table from this description. Key design: README,
 * "Data model".
 */
export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes expired items lazily, so readers still check it. */
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    {
      /** Sparse work queue: only items with work to do carry gsi1pk (e.g. pending pushes per instance). */
      indexName: 'gsi1',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
    },
  ],
} as const;

export type TableKey = { pk: string; sk: string };
