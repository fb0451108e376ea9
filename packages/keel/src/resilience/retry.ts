import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import {
  Emitter,
  type ExecuteOptions,
  NEVER_ABORTED,
  type ObservablePolicy,
  type ResilienceListener,
  type Work,
} from './policy.js';
import { sleep } from './sleep.js';
import { isTransientError } from './transient.js';

/**
 * Options of {@link retry}.
 *
 * @example
 * ```ts
 * const options: RetryOptions = { maxRetries: 5, baseDelayMs: 200, maxDelayMs: 5000 };
 * ```
 */
export interface RetryOptions {
  /** The name in events, metrics and logs. @defaultValue `retry` */
  name?: string;
  /**
   * Retries after the first try (0: never retry). `Infinity` retries until `isTransient` answers
   * false, the caller's signal fires or its deadline would pass: for work that must eventually be
   * done (a write of a result), never for a call a user waits on.
   * @defaultValue 3
   */
  maxRetries?: number;
  /**
   * The first retry's wait before jitter: retry `n` waits between half and all of
   * `baseDelayMs * 2^(n-1)`, capped by `maxDelayMs`.
   * @defaultValue 100
   */
  baseDelayMs?: number;
  /** The longest backoff wait (before a Retry-After raises it). @defaultValue 10000 */
  maxDelayMs?: number;
  /**
   * The longest wait a failure's `retryAfterMs` (an HTTP `Retry-After`) may ask for: a longer one
   * is not waited for, the retry gives up at once with that failure.
   * @defaultValue 30000
   */
  maxRetryAfterMs?: number;
  /** Which failures are worth another try. @defaultValue {@link isTransientError} */
  isTransient?: (error: unknown) => boolean;
}

const schema = z.object({
  name: option.name().default('retry'),
  maxRetries: z
    .custom<number>(
      (n) => typeof n === 'number' && ((Number.isInteger(n) && n >= 0) || n === Number.POSITIVE_INFINITY),
      'must be a whole number, 0 or more, or Infinity',
    )
    .default(3),
  baseDelayMs: option.durationMs().default(100),
  maxDelayMs: option.durationMs().default(10_000),
  maxRetryAfterMs: option.durationMs().default(30_000),
  isTransient: option.fn<(error: unknown) => boolean>().default(() => isTransientError),
});

/**
 * A retry policy (see {@link retry}).
 *
 * @example
 * ```ts
 * const policy: RetryPolicy = retry({ maxRetries: 2 });
 * ```
 */
export class RetryPolicy implements ObservablePolicy {
  readonly type = 'retry' as const;
  readonly name: string;
  /** The options, defaults applied. */
  readonly options: Readonly<Required<Omit<RetryOptions, 'name'>>>;
  private readonly emitter: Emitter;
  private readonly backoff: ExponentialBackoff<number>;

  /** @internal use {@link retry} */
  constructor(options: RetryOptions | undefined) {
    const { name, ...resolved } = checkOptions('retry', schema, options);
    this.name = name;
    this.options = resolved;
    this.emitter = new Emitter(name, 'retry');
    this.backoff = new ExponentialBackoff({
      generator: halfJitterGenerator,
      initialDelay: resolved.baseDelayMs,
      maxDelay: Math.max(resolved.baseDelayMs, resolved.maxDelayMs),
      exponent: 2,
    });
  }

  onEvent(listener: ResilienceListener): () => void {
    return this.emitter.on(listener);
  }

  async execute<T>(work: Work<T>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal ?? NEVER_ABORTED;
    const { maxRetries, maxRetryAfterMs, isTransient } = this.options;
    let backoff: IBackoff<unknown> | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return await work({ signal, attempt });
      } catch (error) {
        if (signal.aborted || !isTransient(error)) throw error;
        const giveUp = (reason: string) => this.emitter.emit('give_up', { attempt: attempt + 1, error, reason });
        if (attempt >= maxRetries) {
          giveUp('retries_exhausted');
          throw error;
        }
        backoff = backoff === undefined ? this.backoff.next() : backoff.next(undefined);
        let delayMs = backoff.duration;
        const asked = retryAfterOf(error);
        if (asked !== undefined) {
          if (asked > maxRetryAfterMs) {
            giveUp('retry_after_over_cap');
            throw error;
          }
          delayMs = Math.max(delayMs, asked);
        }
        if (options?.deadlineAt !== undefined && Date.now() + delayMs > options.deadlineAt) {
          giveUp('deadline');
          throw error;
        }
        this.emitter.emit('retry', { attempt: attempt + 1, delayMs, error });
        await sleep(delayMs, options?.signal);
      }
    }
  }
}

// A failure's own `retryAfterMs` (set from an HTTP Retry-After by a client), if it has one.
function retryAfterOf(error: unknown): number | undefined {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.ceil(value) : undefined;
}

/**
 * Retries failed work: by default 3 retries of transient failures ({@link isTransientError}), with
 * exponential backoff and jitter (100 ms, 200 ms, 400 ms, each between half and all of it). A
 * failure with a numeric `retryAfterMs` is waited for at least that long, up to `maxRetryAfterMs`;
 * beyond it the retry gives up. A wait that would pass the caller's `deadlineAt` gives up at once
 * with the last failure, and the caller's `signal` cuts a wait short (rejecting with its reason).
 *
 * @example
 * ```ts
 * const policy = retry({ maxRetries: 5, maxRetryAfterMs: 10_000 });
 * const rows = await policy.execute(({ attempt }) => vk.call('wall.get', { owner_id: id }, { attempt }));
 * ```
 */
export function retry(options?: RetryOptions): RetryPolicy {
  return new RetryPolicy(options);
}
