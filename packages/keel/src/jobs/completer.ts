import type { Logger } from 'pino';
import type { JobMetrics } from './metrics.js';
import { retrying } from './retrying.js';
import { type Completion, completeJobs } from './sql/complete-jobs.js';
import type { SqlTarget } from './sql/db.js';

const MAX_BATCH = 1000;
/** While completions stream in, a write waits for this many (or {@link GATHER_MS})... */
const GATHER_BATCH = 100;
/** ...so a synchronous store (SQLite) writes hundreds at once, not the few of one event-loop turn. */
const GATHER_MS = 2;

interface Pending extends Completion {
  queue: string;
  type: string;
}

/**
 * Stores completions in batches: what finishes while one write is in flight goes in the next one,
 * and while they keep coming a write gathers up to {@link GATHER_BATCH} for a moment; an idle worker
 * writes its first completion at once.
 */
export class Completer {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private gathered: (() => void) | undefined;

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
    else if (this.gathered && this.pending.length >= GATHER_BATCH) this.gathered();
  }

  /** Resolves once every queued completion is written. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    // Let the completions of this turn of the event loop join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      // Bounded: a result is looked up by its position in the batch.
      const batch = this.pending.splice(0, MAX_BATCH);
      const done = await retrying(
        () => completeJobs(this.target, batch, this.workerId, Date.now(), this.deleteAtOnce),
        this.logger,
        'storing job completions',
        this.giveUp,
      );
      if (done && this.metrics) this.count(batch, done);
      // After a write, more may be on their way: gather them (a synchronous write lets none arrive meanwhile).
      if (this.pending.length < GATHER_BATCH && !this.giveUp()) await this.gather();
    }
    this.flushing = undefined;
  }

  // Resolves after GATHER_MS, or once GATHER_BATCH completions wait.
  private gather(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.gathered?.(), GATHER_MS);
      this.gathered = () => {
        clearTimeout(timer);
        this.gathered = undefined;
        resolve();
      };
    });
  }

  // One increment per queue and type of the batch, not one per job.
  private count(batch: readonly Pending[], done: readonly string[]): void {
    const stored = new Set(done);
    const perType = new Map<string, { queue: string; type: string; n: number }>();
    for (const c of batch) {
      if (!stored.has(c.id)) continue;
      const key = `${c.queue}\n${c.type}`;
      const entry = perType.get(key);
      if (entry) entry.n += 1;
      else perType.set(key, { queue: c.queue, type: c.type, n: 1 });
    }
    for (const { queue, type, n } of perType.values()) this.metrics?.of(queue, type).completed.inc(n);
  }
}
