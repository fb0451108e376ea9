import { TimeoutPolicy as CockatielTimeout, timeout as cockatielTimeout, TimeoutStrategy } from 'cockatiel';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { PolicyTimeoutError } from './errors.js';
import { Emitter, type ExecuteOptions, type ObservablePolicy, type ResilienceListener, type Work } from './policy.js';

/**
 * Options of {@link timeout}.
 *
 * @example
 * ```ts
 * const options: TimeoutOptions = { name: 'llm-call', abandon: true };
 * ```
 */
export interface TimeoutOptions {
  /** The name in events, metrics and logs. @defaultValue `timeout` */
  name?: string;
  /**
   * Also reject at once when time runs out, not when the work (its signal aborted) has stopped:
   * for work that may ignore its signal. The work is still aborted.
   * @defaultValue false
   */
  abandon?: boolean;
}

const schema = z.object({
  name: option.name().default('timeout'),
  timeoutMs: option.positiveDurationMs(),
  abandon: z.boolean().default(false),
});

/**
 * A timeout (see {@link timeout}).
 *
 * @example
 * ```ts
 * const limit: TimeoutPolicy = timeout(2000);
 * ```
 */
export class TimeoutPolicy implements ObservablePolicy {
  readonly type = 'timeout' as const;
  readonly name: string;
  readonly timeoutMs: number;
  private readonly emitter: Emitter;
  private readonly inner: CockatielTimeout;

  /** @internal use {@link timeout} */
  constructor(timeoutMs: number, options: TimeoutOptions | undefined) {
    const resolved = checkOptions('timeout', schema, { ...options, timeoutMs });
    this.name = resolved.name;
    this.timeoutMs = resolved.timeoutMs;
    this.emitter = new Emitter(this.name, 'timeout');
    this.inner = cockatielTimeout(this.timeoutMs, {
      strategy: resolved.abandon ? TimeoutStrategy.Aggressive : TimeoutStrategy.Cooperative,
      abortOnReturn: true,
    });
  }

  onEvent(listener: ResilienceListener): () => void {
    return this.emitter.on(listener);
  }

  async execute<T>(work: Work<T>, options?: ExecuteOptions): Promise<T> {
    const caller = options?.signal;
    if (caller?.aborted) throw caller.reason;
    let timedOut = false;
    let settled = false;
    try {
      return await this.inner.execute(({ signal }) => {
        // cockatiel aborts this signal on time, when the caller's fires, and once the work returns.
        signal.addEventListener(
          'abort',
          () => {
            if (settled || caller?.aborted) return;
            timedOut = true;
            this.emitter.emit('timeout', { delayMs: this.timeoutMs });
          },
          { once: true },
        );
        const done = () => {
          settled = true;
        };
        try {
          return Promise.resolve(work({ signal, attempt: 0 })).finally(done);
        } catch (error) {
          done();
          throw error;
        }
      }, caller);
    } catch (error) {
      if (timedOut && !caller?.aborted) throw new PolicyTimeoutError(this.name, this.timeoutMs, { cause: error });
      // cockatiel's derived signal aborts with a reason of its own: surface the caller's.
      if (caller?.aborted && error instanceof Error && error.name === 'AbortError') throw caller.reason;
      throw error;
    }
  }
}

/**
 * A timeout: after `timeoutMs` the work's `signal` is aborted, and once the work stops (it must
 * honour its signal) the call fails with a {@link PolicyTimeoutError} (504, the work's error as its
 * cause). With `abandon`, the call also fails at once, for work that may not honour its signal.
 *
 * @example
 * ```ts
 * const limit = timeout(5000, { name: 'report' });
 * const rows = await limit.execute(({ signal }) => db.query(sql, { signal }));
 * ```
 */
export function timeout(timeoutMs: number, options?: TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(timeoutMs, options);
}
