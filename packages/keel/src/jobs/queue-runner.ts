import { AsyncResource } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { ClaimedRow } from './sql/claim-jobs.js';

/** What a queue's runner needs from its worker. */
export interface RunnerDeps {
  logger: Logger;
  /** Claims up to `limit` due jobs of the queue. */
  claim(queue: string, limit: number): Promise<ClaimedRow[]>;
  /** Starts a claimed job; `done` is called once its attempt is over. */
  start(row: ClaimedRow, done: () => void): void;
}

/**
 * Keeps one queue's slots busy: on every wake-up (signal, poll, a finished job) claims as many jobs as
 * there are free slots plus `prefetch` (held in a local buffer under lease), in one statement.
 */
export class QueueRunner {
  private active = 0;
  private claiming = false;
  private again = false;
  private scheduled = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private buffer: ClaimedRow[] = [];
  // Claims and job starts run in the runner's own async context (the worker's start): a wake-up
  // emitted inside a caller's store transaction (an enqueue in `store.transaction`) must not make
  // the jobs it starts run inside that transaction.
  private readonly fillSoon = AsyncResource.bind(() => {
    this.scheduled = false;
    void this.fill();
  });

  constructor(
    readonly queue: string,
    readonly concurrency: number,
    private readonly prefetch: number,
    private readonly deps: RunnerDeps,
  ) {}

  /** Ids of claimed jobs waiting in the local buffer (their leases need renewing too). */
  bufferedIds(): string[] {
    return this.buffer.map((row) => row.id);
  }

  /** Drops buffered jobs whose lease is gone (cancelled or recovered elsewhere). */
  dropBuffered(lost: ReadonlySet<string>): void {
    this.buffer = this.buffer.filter((row) => !lost.has(row.id));
  }

  /** Empties the buffer (on shutdown), returning the ids to release. */
  takeBuffered(): string[] {
    const ids = this.bufferedIds();
    this.buffer = [];
    return ids;
  }

  /** Jobs running now. */
  get running(): number {
    return this.active;
  }

  /** Looks for work soon; wake-ups of one event-loop turn share one claim. */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.fillSoon);
  }

  /** Takes no more jobs. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private launch(row: ClaimedRow): void {
    this.active += 1;
    this.deps.start(row, () => {
      this.active -= 1;
      this.wake();
    });
  }

  private async fill(): Promise<void> {
    if (this.claiming) return;
    this.claiming = true;
    try {
      while (!this.stopped) {
        let free = this.concurrency - this.active;
        while (free > 0 && this.buffer.length > 0) {
          this.launch(this.buffer.shift()!);
          free -= 1;
        }
        if (free <= 0) return;
        this.again = false;
        let rows: ClaimedRow[];
        try {
          rows = await this.deps.claim(this.queue, free + this.prefetch);
        } catch (error) {
          this.deps.logger.warn({ err: error, queue: this.queue }, 'claiming jobs failed; retrying');
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.wake(), 500);
          return;
        }
        const running = Math.max(0, this.concurrency - this.active);
        for (const row of rows.slice(0, running)) this.launch(row);
        this.buffer.push(...rows.slice(running));
        if (rows.length < free + this.prefetch && !this.again) return;
      }
    } finally {
      this.claiming = false;
    }
  }
}
