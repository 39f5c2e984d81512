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
  // The local and central headers carry the same entry fields (version, method, CRC, sizes, name length), the central one two bytes further on.
  const entry = (at: number): HeaderField[] => [
    [at, 2, 20],
    [at + 4, 2, 8],
    [at + 10, 4, crc],
    [at + 14, 4, compressed.length],
    [at + 18, 4, data.length],
    [at + 22, 2, nameBytes.length],
  ];
  const local = header(30, [[0, 4, 0x04034b50], ...entry(4)]);
  const central = header(46, [[0, 4, 0x02014b50], [4, 2, 20], ...entry(6)]);
  const localSize = local.length + nameBytes.length + compressed.length;
  const end = header(22, [
    [0, 4, 0x06054b50],
    [8, 2, 1],
    [10, 2, 1],
    [12, 4, central.length + nameBytes.length],
    [16, 4, localSize],
  ]);
  return Buffer.concat([local, nameBytes, compressed, central, nameBytes, end]);
}

/** [offset, width in bytes, value] of one little-endian field. */
type HeaderField = [offset: number, width: 2 | 4, value: number];

/** A zip header: zeros, with its fields written little-endian. */
function header(size: number, fields: readonly HeaderField[]): Buffer {
  const buffer = Buffer.alloc(size);
  for (const [offset, width, value] of fields) {
    if (width === 2) buffer.writeUInt16LE(value, offset);
    else buffer.writeUInt32LE(value, offset);
  }
  return buffer;
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
