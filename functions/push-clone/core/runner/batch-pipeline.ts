import { callMarketo, writeResults } from '#functions/push-clone/core/marketo-batch/call-marketo.ts';
import type { RunContext, StopReason, WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

type Settled = { written: number } | { error: unknown };

/**
 * Sends batches one after another, the write-back of each overlapping the
 * next one's Marketo calls: the two halves wait on different services, so
 * together they take about the time of the slower one.
 *
 * Bounded and safe by construction:
 * - Marketo calls stay strictly sequential (a batch's calls start only after
 *   the previous batch's calls and lead-ID cache writes are done), so no
 *   email is ever twice in flight and each batch sees the IDs the last one cached;
 * - at most one write-back is in flight, so memory holds two batches at most;
 * - the queue stays the checkpoint: a person leaves it only when their
 *   write-back lands, and a crash anywhere leaves them pending, as before;
 * - `finish` waits for the write-back in flight, and a caller must call it
 *   before reading the queue again (a new pass would see people still being
 *   written) and before the run ends (the lease must outlive every write).
 */
export class BatchPipeline {
  private writing: Promise<Settled> | undefined;
  private written = 0;

  constructor(private readonly ctx: RunContext) {}

  /** Checks time and lease, makes the batch's calls, then starts its write-back. Returns why to stop, if the run must. */
  async send(items: readonly WorkItem[]): Promise<StopReason | undefined> {
    const stop = await this.ctx.beforeBatch();
    if (stop) return stop;
    const called = await callMarketo(this.ctx, items);
    await this.finish();
    // Settled into a value at once: a failed write-back must not be an unhandled rejection while the next batch calls Marketo.
    this.writing = writeResults(this.ctx, called).then(
      (written): Settled => ({ written }),
      (error: unknown): Settled => ({ error }),
    );
    return called.stop;
  }

  /** Waits for the write-back in flight (rethrowing its failure); returns the people written so far. */
  async finish(): Promise<number> {
    const writing = this.writing;
    this.writing = undefined;
    if (writing) {
      const settled = await writing;
      if ('error' in settled) throw settled.error;
      this.written += settled.written;
    }
    return this.written;
  }

  /** Runs `work` with this pipeline, then finishes it; on a failure, waits for the write-back in flight before rethrowing. */
  static async around<T>(ctx: RunContext, work: (pipeline: BatchPipeline) => Promise<T>): Promise<{ value: T; written: number }> {
    const pipeline = new BatchPipeline(ctx);
    let value: T;
    try {
      value = await work(pipeline);
    } catch (error) {
      await pipeline.finish().catch(() => undefined);
      throw error;
    }
    return { value, written: await pipeline.finish() };
  }
}
