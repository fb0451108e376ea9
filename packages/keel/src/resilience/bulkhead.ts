import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { BulkheadFullError } from './errors.js';
import {
  Emitter,
  type ExecuteOptions,
  NEVER_ABORTED,
  type ObservablePolicy,
  type ResilienceListener,
  type Work,
} from './policy.js';

/**
 * Options of {@link bulkhead}.
 *
 * @example
 * ```ts
 * const options: BulkheadOptions = { name: 'indexer', limit: 4, queue: 16 };
 * ```
 */
export interface BulkheadOptions {
  /** The name in events, metrics and logs. @defaultValue `bulkhead` */
  name?: string;
  /** Calls running at once. @defaultValue 10 */
  limit?: number;
  /** Calls waiting for a slot; one more is refused with a {@link BulkheadFullError}. @defaultValue 0 */
  queue?: number;
}

const schema = z.object({
  name: option.name().default('bulkhead'),
  limit: option.count().default(10),
  queue: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(0),
});

interface Waiter {
  admit: () => void;
}

/**
 * A bulkhead (see {@link bulkhead}).
 *
 * @example
 * ```ts
 * const slots: BulkheadPolicy = bulkhead({ limit: 2 });
 * console.log(slots.running, slots.queued);
 * ```
 */
export class BulkheadPolicy implements ObservablePolicy {
  readonly type = 'bulkhead' as const;
  readonly name: string;
  /** Calls running at once, at most. */
  readonly limit: number;
  /** Calls waiting, at most. */
  readonly queue: number;
  private readonly emitter: Emitter;
  private active = 0;
  private readonly waiters: Waiter[] = [];

  /** @internal use {@link bulkhead} */
  constructor(options: BulkheadOptions | undefined) {
    const resolved = checkOptions('bulkhead', schema, options);
    this.name = resolved.name;
    this.limit = resolved.limit;
    this.queue = resolved.queue;
    this.emitter = new Emitter(this.name, 'bulkhead');
  }

  /** Calls running now. */
  get running(): number {
    return this.active;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.waiters.length;
  }

  onEvent(listener: ResilienceListener): () => void {
    return this.emitter.on(listener);
  }

  async execute<T>(work: Work<T>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal ?? NEVER_ABORTED;
    if (signal.aborted) throw signal.reason;
    if (this.active >= this.limit) await this.wait(signal, options?.deadlineAt);
    this.active += 1;
    try {
      return await work({ signal, attempt: 0 });
    } finally {
      this.active -= 1;
      this.waiters.shift()?.admit();
    }
  }

  // Waits for a slot in the queue; a waiter that gives up (signal, deadline) leaves the queue at once.
  private wait(signal: AbortSignal, deadlineAt: number | undefined): Promise<void> {
    if (this.waiters.length >= this.queue) {
      this.emitter.emit('bulkhead_reject', { reason: 'full' });
      return Promise.reject(new BulkheadFullError(this.name, this.limit, this.queue));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        reject(signal.reason);
      };
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      if (deadlineAt !== undefined) {
        timer = setTimeout(
          () => {
            leave();
            this.emitter.emit('bulkhead_reject', { reason: 'deadline' });
            reject(new BulkheadFullError(this.name, this.limit, this.queue));
          },
          Math.max(0, deadlineAt - Date.now()),
        );
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}

/**
 * A bulkhead: at most `limit` (10) calls run at once, at most `queue` (0) more wait (in order) for a slot,
 * and one more is refused at once with a {@link BulkheadFullError} (503). A waiter whose signal
 * fires, or whose deadline passes, leaves the queue at once (rejected with the signal's reason, or a
 * BulkheadFullError at the deadline).
 *
 * @example
 * ```ts
 * const llmSlots = bulkhead({ name: 'llm', limit: 4, queue: 32 });
 * const text = await llmSlots.execute(({ signal }) => complete(prompt, { signal }));
 * ```
 */
export function bulkhead(options?: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(options);
}
