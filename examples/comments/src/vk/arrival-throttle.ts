import { setTimeout as sleep } from 'node:timers/promises';

/**
 * At most `limit` requests in any window of `windowMs` as the server sees them, whatever the delays
 * between granting a request and its bytes arriving (a busy event loop, a pool queue). A request
 * holds its place while in flight and for `windowMs` after its answer (the server saw it before it
 * answered), and a new one starts only when fewer than `limit` places are held. Counting from the
 * grant instead (a plain sliding window) lets a late request and a prompt one share a second.
 */
export class ArrivalThrottle {
  // The requests that still hold a place: `end` is unset while in flight.
  private places: { end?: number }[] = [];
  private readonly waiters: (() => void)[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Runs `work` once a place is free; the place is held until `windowMs` after it settles. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const turn = this.queue.then(() => this.acquire(signal));
    // A waiter that was aborted must not hold up those behind it.
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    const place = await turn;
    try {
      return await work();
    } finally {
      place.end = Date.now();
      for (const wake of this.waiters.splice(0)) wake();
    }
  }

  private async acquire(signal: AbortSignal | undefined): Promise<{ end?: number }> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      // Places whose window has passed are free again.
      this.places = this.places.filter((place) => place.end === undefined || now - place.end < this.windowMs);
      if (this.places.length < this.limit) {
        const place = {};
        this.places.push(place);
        return place;
      }
      const ends = this.places.flatMap((place) => (place.end === undefined ? [] : [place.end]));
      const waitMs = ends.length > 0 ? Math.min(...ends) + this.windowMs - now : undefined;
      // Wait for the oldest ended place to free, for an in-flight request to end, or for the abort.
      const controller = new AbortController();
      const stop = () => controller.abort();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        await Promise.race([
          new Promise<void>((resolve) => this.waiters.push(resolve)),
          sleep(waitMs === undefined ? 60_000 : Math.max(1, waitMs), undefined, { signal: controller.signal }).catch(
            () => undefined,
          ),
        ]);
      } finally {
        signal?.removeEventListener('abort', stop);
        controller.abort();
      }
    }
  }
}
