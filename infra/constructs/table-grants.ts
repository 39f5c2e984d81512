import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { TableAccess } from '#functions/catalog-types.ts';

const READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'];
const WRITE_ALL = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** The IAM actions a catalog table access stands for (no function needs Scan, so none gets it). */
export function tableActions(access: TableAccess): { actions: string[]; deletePrefixes: string[] } {
  if (access === 'none') return { actions: [], deletePrefixes: [] };
  if (access === 'read') return { actions: READ, deletePrefixes: [] };
  if (access === 'readwrite') return { actions: [...READ, ...WRITE_ALL], deletePrefixes: [] };
  return { actions: [...READ, ...access.write.map((action) => `dynamodb:${action}`)], deletePrefixes: access.deleteWherePartitionStartsWith ?? [] };
}

/** Grants a function exactly its catalog table access, on the table and its indexes. */
export function grantTableAccess(grantee: IGrantable, table: ITable, access: TableAccess): void {
  const { actions, deletePrefixes } = tableActions(access);
  const resources = [table.tableArn, `${table.tableArn}/index/*`];
  if (actions.length) grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions, resources }));
  if (deletePrefixes.length) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:DeleteItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': deletePrefixes.map((prefix) => `${prefix}*`) } },
      }),
    );
  }
}
