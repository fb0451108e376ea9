import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import { RateLimitExceededError } from './errors.js';
import {
  Emitter,
  type ExecuteOptions,
  NEVER_ABORTED,
  type ObservablePolicy,
  type Policy,
  type ResilienceListener,
  type Work,
} from './policy.js';

/**
 * Options of {@link rateLimit}.
 *
 * @example
 * ```ts
 * const options: RateLimitOptions = { name: 'telegram-chat', limit: 1, intervalMs: 1000, maxWaitMs: 60_000 };
 * ```
 */
export interface RateLimitOptions {
  /** The name in events, metrics and logs. @defaultValue `rate-limit` */
  name?: string;
  /** Calls started per `intervalMs` (per key), at most. */
  limit: number;
  /** The window `limit` counts in: no `limit + 1` calls start within any `intervalMs`. @defaultValue 1000 */
  intervalMs?: number;
  /**
   * The longest a call waits for its turn: a call whose turn is further away is refused at once
   * with a {@link RateLimitExceededError}, as is one whose turn is past its deadline.
   * @defaultValue 30000
   */
  maxWaitMs?: number;
  /** Keys (e.g. chat ids) remembered at once; the least recently used idle key is forgotten first. @defaultValue 10000 */
  maxKeys?: number;
}

const schema = z.object({
  name: option.name().default('rate-limit'),
  limit: option.count(),
  intervalMs: option.positiveDurationMs().default(1000),
  maxWaitMs: option.durationMs().default(30_000),
  maxKeys: option.count().default(10_000),
});

/** The execute options of a rate limit: a key picks the bucket (one per chat, per user). */
export interface RateLimitExecuteOptions extends ExecuteOptions {
  /** The bucket the call counts in. @defaultValue the limit's one shared bucket */
  key?: string | number;
}

const SHARED = '\u0000shared';

/**
 * A rate limit (see {@link rateLimit}).
 *
 * @example
 * ```ts
 * const perChat: RateLimitPolicy = rateLimit({ limit: 1, intervalMs: 1000 });
 * await perChat.forKey(chatId).execute(() => bot.sendMessage(chatId, text));
 * ```
 */
export class RateLimitPolicy implements ObservablePolicy {
  readonly type = 'rate_limit' as const;
  readonly name: string;
  readonly limit: number;
  readonly intervalMs: number;
  readonly maxWaitMs: number;
  private readonly maxKeys: number;
  // One millisecond over the interval: Date.now() is whole milliseconds, so a start counted at t may
  // really be at t + 0.9; the next one waits until t + intervalMs + 1.
  private readonly windowMs: number;
  private readonly emitter: Emitter;
  // Per key, the start times given out (past and reserved), ascending; Map order is least recent first.
  private readonly starts = new Map<string, Bucket>();

  /** @internal use {@link rateLimit} */
  constructor(options: RateLimitOptions) {
    const resolved = checkOptions('rateLimit', schema, options);
    this.name = resolved.name;
    this.limit = resolved.limit;
    this.intervalMs = resolved.intervalMs;
    this.maxWaitMs = resolved.maxWaitMs;
    this.maxKeys = resolved.maxKeys;
    this.windowMs = resolved.intervalMs + 1;
    this.emitter = new Emitter(this.name, 'rate_limit');
  }

  onEvent(listener: ResilienceListener): () => void {
    return this.emitter.on(listener);
  }

  /** The policy for one key: its calls count in that key's bucket. */
  forKey(key: string | number): Policy {
    const bucket = checkKey(key);
    return { execute: (work, options) => this.run(bucket, work, options) };
  }

  /** Waits for the call's turn (in `options.key`'s bucket), then runs `work`. */
  execute<T>(work: Work<T>, options?: RateLimitExecuteOptions): Promise<T> {
    return this.run(options?.key === undefined ? SHARED : checkKey(options.key), work, options);
  }

  private async run<T>(key: string, work: Work<T>, options: ExecuteOptions | undefined): Promise<T> {
    const signal = options?.signal ?? NEVER_ABORTED;
    if (signal.aborted) throw signal.reason;
    const now = Date.now();
    const bucket = this.bucket(key, now);
    if (bucket.queue.length === 0 && bucket.starts.length < this.limit) {
      bucket.starts.push(now);
      return await work({ signal, attempt: 0 });
    }
    const at = this.turnOf(bucket, now);
    const waitMs = at - now;
    if (waitMs > this.maxWaitMs || (options?.deadlineAt !== undefined && at > options.deadlineAt)) {
      const overMax = waitMs > this.maxWaitMs;
      const why = overMax ? `over its maxWaitMs of ${this.maxWaitMs} ms` : 'past the deadline';
      this.emitter.emit('rate_limit_reject', { delayMs: waitMs, reason: overMax ? 'max_wait' : 'deadline' });
      throw new RateLimitExceededError(this.name, waitMs, why);
    }
    this.emitter.emit('rate_limit_wait', { delayMs: waitMs });
    return await this.enqueue(bucket, options?.signal, () => work({ signal, attempt: 0 }));
  }

  // When a call joining the queue now would start: the queue's calls take the turns before it.
  private turnOf(bucket: Bucket, now: number): number {
    const times = [...bucket.starts];
    let at = now;
    for (let i = 0; i <= bucket.queue.length; i++) {
      at =
        times.length < this.limit ? now : Math.max(now, (times[times.length - this.limit] as number) + this.windowMs);
      times.push(at);
    }
    return at;
  }

  // Waits in the key's queue (in order) until the pump gives the call its turn, and starts it there.
  private enqueue<T>(bucket: Bucket, signal: AbortSignal | undefined, start: () => Promise<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const index = bucket.queue.indexOf(waiter);
        if (index >= 0) bucket.queue.splice(index, 1);
        reject(signal?.reason);
      };
      // The work starts in the pump's own turn: the time counted is the time it really starts.
      const waiter: Waiter = () => {
        signal?.removeEventListener('abort', onAbort);
        try {
          Promise.resolve(start()).then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      bucket.queue.push(waiter);
      if (bucket.timer === undefined) this.pump(bucket);
    });
  }

  // Starts the queued calls whose turn has come, by the starts actually made; then sleeps until the next turn.
  private pump(bucket: Bucket): void {
    bucket.timer = undefined;
    while (bucket.queue.length > 0) {
      const now = Date.now();
      forgetBefore(bucket.starts, now - this.windowMs);
      if (bucket.starts.length < this.limit) {
        bucket.starts.push(now);
        (bucket.queue.shift() as Waiter)();
        continue;
      }
      // A timer may fire a little before the wall clock the starts are counted in: the loop checks again.
      const nextMs = Math.max(1, (bucket.starts[bucket.starts.length - this.limit] as number) + this.windowMs - now);
      bucket.timer = setTimeout(() => this.pump(bucket), nextMs);
      return;
    }
  }

  // The key's bucket, forgetting starts out of the window (and idle keys past maxKeys).
  private bucket(key: string, now: number): Bucket {
    let bucket = this.starts.get(key);
    if (bucket === undefined) {
      bucket = { starts: [], queue: [], timer: undefined };
      if (this.starts.size >= this.maxKeys) this.forgetIdle(now);
    } else {
      this.starts.delete(key);
      forgetBefore(bucket.starts, now - this.windowMs);
    }
    this.starts.set(key, bucket);
    return bucket;
  }

  private forgetIdle(now: number): void {
    for (const [key, { starts, queue }] of this.starts) {
      const last = starts[starts.length - 1];
      if (queue.length === 0 && (last === undefined || last + this.windowMs <= now)) this.starts.delete(key);
      if (this.starts.size < this.maxKeys) return;
    }
    // Every key is busy: forget the least recently used one (its calls may then start early).
    const oldest = this.starts.keys().next().value;
    if (oldest !== undefined) this.starts.delete(oldest);
  }
}

/** A queued call: called when its turn comes. */
type Waiter = () => void;

/** One key's start times (ascending, as made) and its queued calls. */
interface Bucket {
  starts: number[];
  queue: Waiter[];
  /** The pump's timer while calls wait. */
  timer: NodeJS.Timeout | undefined;
}

// Drops the starts at or before `cutoff`: out of the window.
function forgetBefore(starts: number[], cutoff: number): void {
  let stale = 0;
  while (stale < starts.length && (starts[stale] as number) <= cutoff) stale += 1;
  if (stale > 0) starts.splice(0, stale);
}

function checkKey(key: unknown): string {
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  if (typeof key === 'string' && key.length > 0 && key.length <= 256) return key;
  throw new UsageError(`rateLimit: a key must be a finite number or a string of 1-256 characters, got ${String(key)}`);
}

/**
 * A rate limit: at most `limit` calls start in any `intervalMs` (sliding window, exact), per key
 * when a key is given (`forKey(chatId)`, or `execute(work, { key })`). A call over the limit waits
 * its turn, in order; one whose turn is more than `maxWaitMs` away, or past its deadline, is refused
 * at once with a {@link RateLimitExceededError} (503). The caller's signal ends a wait.
 *
 * @example
 * ```ts
 * const perBot = rateLimit({ name: 'telegram-bot', limit: 30, intervalMs: 1000 });
 * const perChat = rateLimit({ name: 'telegram-chat', limit: 1, intervalMs: 1000 });
 * // The chat's turn first, then the bot's: a call waiting for its chat holds no slot of the bot.
 * await wrap(perChat.forKey(chatId), perBot).execute(() => bot.sendMessage(chatId, text));
 * ```
 */
export function rateLimit(options: RateLimitOptions): RateLimitPolicy {
  return new RateLimitPolicy(options);
}
