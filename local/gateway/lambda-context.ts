import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionDef } from '#functions/catalog.ts';

/** A Lambda context whose remaining time counts down from the function's configured timeout. */
export function localLambdaContext(fn: FunctionDef, requestId: string = randomUUID()): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `orgbridge-local-${fn.name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:orgbridge-local-${fn.name}`,
    memoryLimitInMB: String(fn.memoryMb ?? 512),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/orgbridge-local-${fn.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
