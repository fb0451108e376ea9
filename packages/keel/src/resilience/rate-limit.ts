import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import { RateLimitExceededError } from './errors.js';
import { Emitter, type ExecuteOptions, NEVER_ABORTED, type ObservablePolicy, type Policy, type ResilienceListener, type Work } from './policy.js';
import { sleep } from './sleep.js';

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
  private readonly emitter: Emitter;
  // Per key, the start times given out (past and reserved), ascending; Map order is least recent first.
  private readonly starts = new Map<string, number[]>();

  /** @internal use {@link rateLimit} */
  constructor(options: RateLimitOptions) {
    const resolved = checkOptions('rateLimit', schema, options);
    this.name = resolved.name;
    this.limit = resolved.limit;
    this.intervalMs = resolved.intervalMs;
    this.maxWaitMs = resolved.maxWaitMs;
    this.maxKeys = resolved.maxKeys;
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
    const starts = this.bucket(key, now);
    // The turn: `limit` starts back, plus the interval (starts are ascending, reserved ones too).
    const at = starts.length < this.limit ? now : Math.max(now, (starts[starts.length - this.limit] as number) + this.intervalMs);
    const waitMs = at - now;
    if (waitMs > this.maxWaitMs || (options?.deadlineAt !== undefined && at > options.deadlineAt)) {
      const why = waitMs > this.maxWaitMs ? `over its maxWaitMs of ${this.maxWaitMs} ms` : 'past the deadline';
      this.emitter.emit('rate_limit_reject', { delayMs: waitMs, reason: waitMs > this.maxWaitMs ? 'max_wait' : 'deadline' });
      throw new RateLimitExceededError(this.name, waitMs, why);
    }
    starts.push(at);
    if (waitMs > 0) {
      this.emitter.emit('rate_limit_wait', { delayMs: waitMs });
      try {
        await sleep(waitMs, options?.signal);
      } catch (error) {
        // Give the turn back: later turns were computed from it, so they only get more conservative.
        const index = starts.lastIndexOf(at);
        if (index >= 0) starts.splice(index, 1);
        throw error;
      }
    }
    return await work({ signal, attempt: 0 });
  }

  // The key's start times, forgetting those out of the window (and idle keys past maxKeys).
  private bucket(key: string, now: number): number[] {
    let starts = this.starts.get(key);
    if (starts === undefined) {
      starts = [];
      if (this.starts.size >= this.maxKeys) this.forgetIdle(now);
    } else {
      this.starts.delete(key);
      let stale = 0;
      while (stale < starts.length && (starts[stale] as number) + this.intervalMs <= now) stale += 1;
      if (stale > 0) starts.splice(0, stale);
    }
    this.starts.set(key, starts);
    return starts;
  }

  private forgetIdle(now: number): void {
    for (const [key, starts] of this.starts) {
      const last = starts[starts.length - 1];
      if (last === undefined || last + this.intervalMs <= now) this.starts.delete(key);
      if (this.starts.size < this.maxKeys) return;
    }
    // Every key is busy: forget the least recently used one (its calls may then start early).
    const oldest = this.starts.keys().next().value;
    if (oldest !== undefined) this.starts.delete(oldest);
  }
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
