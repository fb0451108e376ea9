import { defineErrorCode, KeelError, type KeelErrorOptions } from '../errors/index.js';

declare module '../errors/index.js' {
  interface ErrorCodes {
    /** A circuit breaker is open (or isolated by hand): the call was refused without running. */
    circuit_open: true;
    /** A bulkhead's slots and queue are full: the call was refused without running. */
    bulkhead_full: true;
    /** A rate limit's wait would pass its bound or the caller's deadline: the call was refused. */
    rate_limit_exceeded: true;
    /** A timeout policy's time ran out: the work's signal was aborted. */
    policy_timeout: true;
  }
}

/** The code of a {@link CircuitOpenError} (503). */
export const CIRCUIT_OPEN = defineErrorCode('circuit_open', { status: 503, title: 'Circuit open' });
/** The code of a {@link BulkheadFullError} (503). */
export const BULKHEAD_FULL = defineErrorCode('bulkhead_full', { status: 503, title: 'Too many concurrent calls' });
/** The code of a {@link RateLimitExceededError} (503). */
export const RATE_LIMIT_EXCEEDED = defineErrorCode('rate_limit_exceeded', {
  status: 503,
  title: 'Outgoing rate limit exceeded',
});
/** The code of a {@link PolicyTimeoutError} (504). */
export const POLICY_TIMEOUT = defineErrorCode('policy_timeout', { status: 504, title: 'Timed out' });

/**
 * A circuit breaker refused a call: it is open (the dependency failed too often), half-open with
 * its probes already running, or isolated by hand. Code `circuit_open`, 503.
 *
 * @example
 * ```ts
 * try {
 *   await llm.execute(({ signal }) => complete(prompt, signal));
 * } catch (error) {
 *   if (error instanceof CircuitOpenError) return cachedAnswer(prompt);
 *   throw error;
 * }
 * ```
 */
export class CircuitOpenError extends KeelError {
  /** The breaker's name. */
  readonly policy: string;
  /** Whether it was isolated by hand (rather than opened by failures). */
  readonly isolated: boolean;
  /** About how long until the breaker lets a probe through, in ms (`undefined` when isolated). */
  readonly retryAfterMs: number | undefined;

  constructor(policy: string, isolated: boolean, retryAfterMs: number | undefined, options?: KeelErrorOptions) {
    const why = isolated ? 'is isolated' : retryAfterMs === undefined ? 'is half-open' : 'is open';
    super(CIRCUIT_OPEN, `circuit "${policy}" ${why}: the call was not made`, {
      ...options,
      extensions: { policy, isolated, ...options?.extensions },
    });
    this.policy = policy;
    this.isolated = isolated;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * A bulkhead refused a call: its slots were all taken and its queue full. Code `bulkhead_full`, 503.
 *
 * @example
 * ```ts
 * if (error instanceof BulkheadFullError) reply.header('retry-after', '1');
 * ```
 */
export class BulkheadFullError extends KeelError {
  /** The bulkhead's name. */
  readonly policy: string;

  constructor(policy: string, limit: number, queue: number, options?: KeelErrorOptions) {
    super(BULKHEAD_FULL, `bulkhead "${policy}" is full (${limit} running, ${queue} queued): the call was not made`, {
      ...options,
      extensions: { policy, ...options?.extensions },
    });
    this.policy = policy;
  }
}

/**
 * A rate limit refused a call: its turn would come later than the limit's `maxWaitMs` or the
 * caller's deadline. Code `rate_limit_exceeded`, 503.
 *
 * @example
 * ```ts
 * if (error instanceof RateLimitExceededError) await requeueLater(message, error.retryAfterMs);
 * ```
 */
export class RateLimitExceededError extends KeelError {
  /** The rate limit's name. */
  readonly policy: string;
  /** In how many ms the call's turn would have come. */
  readonly retryAfterMs: number;

  constructor(policy: string, retryAfterMs: number, why: string, options?: KeelErrorOptions) {
    super(RATE_LIMIT_EXCEEDED, `rate limit "${policy}": the next turn is in ${retryAfterMs} ms, ${why}`, {
      ...options,
      extensions: { policy, ...options?.extensions },
    });
    this.policy = policy;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * A timeout policy ran out of time: the work's signal was aborted. Code `policy_timeout`, 504.
 *
 * @example
 * ```ts
 * if (error instanceof PolicyTimeoutError) log.warn({ policy: error.policy }, 'the indexer was too slow');
 * ```
 */
export class PolicyTimeoutError extends KeelError {
  /** The timeout policy's name. */
  readonly policy: string;

  constructor(policy: string, timeoutMs: number, options?: KeelErrorOptions) {
    super(POLICY_TIMEOUT, `"${policy}" timed out after ${timeoutMs} ms`, {
      ...options,
      extensions: { policy, ...options?.extensions },
    });
    this.policy = policy;
  }
}
