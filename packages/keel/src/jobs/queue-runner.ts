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

/** How a runner sizes its claims. */
export interface ClaimSizing {
  /** Jobs always claimed beyond the free slots. */
  prefetch: number;
  /** While the backlog is deep, the work (at the recent completion rate) claimed ahead of the free slots. */
  claimAheadMs: number;
  /** The most claimed jobs held in the buffer. */
  maxBuffered: number;
}

/**
 * Keeps one queue's slots busy: on every wake-up (signal, poll, a finished job) claims jobs for the free
 * slots, in one statement. While claims come back full (a deep backlog) it also claims ahead, as much
 * work as the queue finishes in `claimAheadMs`, held in a local buffer under lease and refilled before
 * it runs dry; a claim that comes back short (a shallow queue) drops that to `prefetch` again, so a
 * job enqueued on an idle queue starts at once and no worker hoards what others could run.
 */
export class QueueRunner {
  private active = 0;
  private claiming = false;
  private again = false;
  private scheduled = false;
  private stopped = false;
  // Jobs held in the buffer beyond the free slots, set after each claim.
  private ahead: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private buffer: ClaimedRow[] = [];
  private readonly rate = new CompletionRate();
  // Claims and job starts run in the runner's own async context (the worker's start): a wake-up
  // emitted inside a caller's store transaction (an enqueue in `store.transaction`) must not make
  // the jobs it starts run inside that transaction.
  private readonly fillSoon = AsyncResource.bind(() => {
    this.scheduled = false;
    if (!this.claiming) this.filling = this.fill();
  });
  private filling: Promise<void> = Promise.resolve();

  constructor(
    readonly queue: string,
    readonly concurrency: number,
    private readonly sizing: ClaimSizing,
    private readonly deps: RunnerDeps,
  ) {
    this.ahead = sizing.prefetch;
  }

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

  /** Resolves once a claim in flight has landed in the buffer (after {@link stop}, to release it all). */
  settled(): Promise<void> {
    return this.filling;
  }

  private launch(row: ClaimedRow): void {
    this.active += 1;
    this.deps.start(row, () => {
      this.active -= 1;
      this.rate.count();
      this.wake();
    });
  }

  // After a claim: how many jobs to hold in the buffer beyond the free slots until the next one.
  private resize(deep: boolean): void {
    const { prefetch, claimAheadMs, maxBuffered } = this.sizing;
    if (!deep || claimAheadMs === 0) {
      this.ahead = prefetch;
      return;
    }
    const byRate = Math.ceil(this.rate.perMs() * claimAheadMs);
    // Twofold a claim at most, either way: one burst of fast jobs does not make a worker take the whole
    // backlog, and one stall (a long enqueue on the same event loop) does not shrink it to single jobs.
    const next = Math.min(2 * Math.max(this.ahead, this.concurrency), Math.max(byRate, Math.floor(this.ahead / 2)));
    this.ahead = Math.min(maxBuffered, Math.max(prefetch, this.concurrency, next));
  }

  // Starts buffered jobs in the free slots; returns the slots still free.
  private startBuffered(): number {
    let free = this.concurrency - this.active;
    while (free > 0 && this.buffer.length > 0) {
      this.launch(this.buffer.shift()!);
      free -= 1;
    }
    return free;
  }

  private async fill(): Promise<void> {
    if (this.claiming) return;
    this.claiming = true;
    try {
      while (!this.stopped) {
        const free = this.startBuffered();
        // With every slot busy, claim again only once the buffer is half spent.
        if (free <= 0 && this.buffer.length * 2 > this.ahead) return;
        const limit = free + this.ahead - this.buffer.length;
        if (limit <= 0) return;
        this.again = false;
        let rows: ClaimedRow[];
        try {
          rows = await this.deps.claim(this.queue, limit);
        } catch (error) {
          this.deps.logger.warn({ err: error, queue: this.queue }, 'claiming jobs failed; retrying');
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.wake(), 500);
          return;
        }
        const deep = rows.length >= limit;
        this.resize(deep);
        // Behind what is buffered already (claimed earlier, so first in order): the loop starts them.
        for (const row of rows) this.buffer.push(row);
        if (this.stopped) return;
        if (!deep && !this.again) {
          this.startBuffered();
          return;
        }
      }
    } finally {
      this.claiming = false;
    }
  }
}

/** Jobs finished per millisecond, smoothed over the last few tens of milliseconds. */
class CompletionRate {
  private since = performance.now();
  private finished = 0;
  private smoothed = 0;

  count(): void {
    this.finished += 1;
  }

  perMs(): number {
    const now = performance.now();
    const elapsed = now - this.since;
    // Too short a window measures one event-loop turn, not a rate.
    if (elapsed < 5) return this.smoothed;
    const current = this.finished / elapsed;
    this.smoothed = this.smoothed === 0 ? current : (this.smoothed + current) / 2;
    this.since = now;
    this.finished = 0;
    return this.smoothed;
  }
}
