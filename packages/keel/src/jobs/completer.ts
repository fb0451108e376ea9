import type { Logger } from 'pino';
import type { JobMetrics } from './metrics.js';
import { retrying } from './retrying.js';
import { type Completion, completeJobs } from './sql/complete-jobs.js';
import type { SqlTarget } from './sql/db.js';

interface Pending extends Completion {
  queue: string;
  type: string;
}

/**
 * Stores completions in batches: what finishes while one write is in flight goes in the next one,
 * so a busy worker writes once per batch and an idle one at once.
 */
export class Completer {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly target: SqlTarget,
    private readonly workerId: string,
    private readonly deleteAtOnce: boolean,
    private readonly metrics: JobMetrics | undefined,
    private readonly logger: Logger,
    private readonly giveUp: () => boolean,
  ) {}

  /** Queues a completion for the next write. */
  add(completion: Pending): void {
    this.pending.push(completion);
    if (!this.flushing) this.flushing = this.flushLoop();
  }

  /** Resolves once every queued completion is written. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    // Let the completions of this turn of the event loop join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const done = await retrying(
        () => completeJobs(this.target, batch, this.workerId, Date.now(), this.deleteAtOnce),
        this.logger,
        'storing job completions',
        this.giveUp,
      );
      if (done && this.metrics) {
        const stored = new Set(done);
        for (const c of batch) if (stored.has(c.id)) this.metrics.completed.inc({ queue: c.queue, type: c.type });
      }
    }
    this.flushing = undefined;
  }
}
