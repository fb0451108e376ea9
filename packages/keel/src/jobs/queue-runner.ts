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
 * there are free slots, in one statement.
 */
export class QueueRunner {
  private active = 0;
  private claiming = false;
  private again = false;
  private scheduled = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly queue: string,
    readonly concurrency: number,
    private readonly deps: RunnerDeps,
  ) {}

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
    setImmediate(() => {
      this.scheduled = false;
      void this.fill();
    });
  }

  /** Takes no more jobs. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private async fill(): Promise<void> {
    if (this.claiming) return;
    this.claiming = true;
    try {
      while (!this.stopped) {
        const free = this.concurrency - this.active;
        if (free <= 0) return;
        this.again = false;
        let rows: ClaimedRow[];
        try {
          rows = await this.deps.claim(this.queue, free);
        } catch (error) {
          this.deps.logger.warn({ err: error, queue: this.queue }, 'claiming jobs failed; retrying');
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.wake(), 500);
          return;
        }
        for (const row of rows) {
          this.active += 1;
          this.deps.start(row, () => {
            this.active -= 1;
            this.wake();
          });
        }
        if (rows.length < free && !this.again) return;
      }
    } finally {
      this.claiming = false;
    }
  }
}
