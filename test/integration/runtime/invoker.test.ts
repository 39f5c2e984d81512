import { deflateRawSync } from 'node:zlib';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaInvoker } from '#shared/runtime/invoker.ts';
import { startMoto, type Moto } from '#test/support/moto.ts';

/**
 * The Lambda invoke adapter against moto_server's Lambda API. moto runs a
 * function's code only in Docker, which these machines lack: the test shows
 * that an asynchronous invoke reaches the API and is accepted (202) for a
 * function that exists, and fails clearly for one that does not; it cannot
 * show the target running.
 */
describe('LambdaInvoker (Lambda API on moto_server)', () => {
  let moto: Moto;
  let client: LambdaClient;
  const calls: Array<{ command: string; status?: number }> = [];

  beforeAll(async () => {
    moto = await startMoto();
    client = new LambdaClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' } });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        calls.push({ command: context.commandName ?? '', status: (out.response as { statusCode?: number }).statusCode });
        return out;
      },
      { step: 'deserialize', name: 'recordCalls' },
    );
    // moto wants the execution role to exist: IAM's query API, as the CLI would call it.
    await fetch(moto.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=moto/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0' },
      body: new URLSearchParams({ Action: 'CreateRole', Version: '2010-05-08', RoleName: 'runner-role', AssumeRolePolicyDocument: '{}' }),
    });
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'orgbridge-push-clone-runner',
        Runtime: 'nodejs22.x',
        Role: 'arn:aws:iam::123456789012:role/runner-role',
        Handler: 'index.handler',
        Code: { ZipFile: zipOf('index.mjs', 'export const handler = async () => ({});') },
      }),
    );
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('sends an asynchronous (Event) invoke with the JSON payload, which Lambda accepts', async () => {
    await expect(client.send(new GetFunctionCommand({ FunctionName: 'orgbridge-push-clone-runner' }))).resolves.toBeDefined();
    await new LambdaInvoker(client).invokeAsync('orgbridge-push-clone-runner', { munchkinId: '123-ABC-456' });
    expect(calls.filter((c) => c.command === 'InvokeCommand')).toEqual([{ command: 'InvokeCommand', status: 202 }]);
  });

  it('fails clearly when the target function does not exist', async () => {
    await expect(new LambdaInvoker(client).invokeAsync('no-such-function', {})).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

/** A one-file zip archive (deflate), enough for CreateFunction. */
function zipOf(name: string, text: string): Uint8Array {
  const data = Buffer.from(text);
  const compressed = deflateRawSync(data);
  const crc = crc32(data);
  const nameBytes = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const localSize = local.length + nameBytes.length + compressed.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(localSize, 16);
  return Buffer.concat([local, nameBytes, compressed, central, nameBytes, end]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
