import type { LambdaClient } from '@aws-sdk/client-lambda';

/**
 * Starting another function without waiting for it (the scheduler's fan-out:
 * one runner per Marketo instance). On AWS an asynchronous Lambda invoke,
 * whose failures land in the target's dead-letter queue; locally, the local
 * runtime registers an in-process invoker.
 */
export interface FunctionInvoker {
  invokeAsync(functionName: string, payload: unknown): Promise<void>;
}

/** The Lambda SDK is loaded at the first invoke, not at module init (a tick with no work never needs it). */
export class LambdaInvoker implements FunctionInvoker {
  private sdk: Promise<{ client: LambdaClient; InvokeCommand: typeof import('@aws-sdk/client-lambda').InvokeCommand }> | undefined;

  constructor(private readonly client?: LambdaClient) {}

  async invokeAsync(functionName: string, payload: unknown): Promise<void> {
    this.sdk ??= import('@aws-sdk/client-lambda').then((sdk) => ({ client: this.client ?? new sdk.LambdaClient({}), InvokeCommand: sdk.InvokeCommand }));
    const { client, InvokeCommand } = await this.sdk;
    await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
  }
}

let override: FunctionInvoker | undefined;
let lambdaInvoker: FunctionInvoker | undefined;

/** Used by the local runtime only. */
export function setLocalInvoker(invoker: FunctionInvoker | undefined): void {
  override = invoker;
}

export function defaultInvoker(): FunctionInvoker {
  if (override) return override;
  lambdaInvoker ??= new LambdaInvoker();
  return lambdaInvoker;
}
