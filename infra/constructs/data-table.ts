import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDefinition } from '#shared/store/table.ts';
import type { StageProfile } from '#infra/stage.ts';

/** The one table, built from the same definition the local runtime uses. */
export class DataTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: { profile: StageProfile }) {
    super(scope, id);
    const key = (name: string) => ({ name, type: AttributeType.STRING });
    this.table = new Table(this, 'Table', {
      partitionKey: key(tableDefinition.partitionKey),
      sortKey: key(tableDefinition.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      deletionProtection: props.profile.production,
      removalPolicy: props.profile.removalPolicy,
    });
    for (const gsi of tableDefinition.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({ indexName: gsi.indexName, partitionKey: key(gsi.partitionKey), sortKey: key(gsi.sortKey) });
    }
  }
}
