import { setTimeout as sleep } from 'node:timers/promises';

/**
 * At most `limit` starts in any window of `windowMs`, in arrival order: each start waits until
 * the start `limit` places before it is a full window (plus a margin for the wire) in the past.
 */
export class SlidingWindowThrottle {
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly marginMs = 25,
  ) {}

  /** Resolves when one more start is allowed; rejects with the signal's reason if aborted first. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.wait(signal));
    // A waiter that was aborted must not hold up those behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.starts.length >= this.limit) {
      const oldest = this.starts[this.starts.length - this.limit] as number;
      const delayMs = oldest + this.windowMs + this.marginMs - Date.now();
      if (delayMs > 0) await sleep(delayMs, undefined, signal ? { signal } : {});
    }
    this.starts.push(Date.now());
    if (this.starts.length > this.limit) this.starts.splice(0, this.starts.length - this.limit);
  }
}
