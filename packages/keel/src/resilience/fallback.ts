import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import { Emitter, type ExecuteOptions, type PolicyType, type ResilienceListener, type Work } from './policy.js';

/**
 * Options of {@link fallback}.
 *
 * @example
 * ```ts
 * const options: FallbackOptions = { name: 'cached-rates', when: (error) => error instanceof CircuitOpenError };
 * ```
 */
export interface FallbackOptions {
  /** The name in events, metrics and logs. @defaultValue `fallback` */
  name?: string;
  /** Which failures the fallback answers; others are thrown on. @defaultValue every failure but an abort */
  when?: (error: unknown) => boolean;
}

const schema = z.object({
  name: option.name().default('fallback'),
  when: option.fn<(error: unknown) => boolean>().optional(),
});

/**
 * A fallback (see {@link fallback}): its `execute` answers the work's result or the fallback's.
 *
 * @example
 * ```ts
 * const rates: FallbackPolicy<Rates> = fallback(() => lastKnownRates);
 * ```
 */
export class FallbackPolicy<R> {
  readonly type: PolicyType = 'fallback';
  readonly name: string;
  private readonly emitter: Emitter;
  private readonly when: ((error: unknown) => boolean) | undefined;

  /** @internal use {@link fallback} */
  constructor(
    private readonly answer: (error: unknown) => R | Promise<R>,
    options: FallbackOptions | undefined,
  ) {
    const resolved = checkOptions('fallback', schema, options);
    if (typeof answer !== 'function') throw new UsageError('fallback: the answer must be a function');
    this.name = resolved.name;
    this.when = resolved.when;
    this.emitter = new Emitter(this.name, 'fallback');
  }

  onEvent(listener: ResilienceListener): () => void {
    return this.emitter.on(listener);
  }

  /** Runs `work`; on a failure `when` accepts, answers the fallback's value instead. */
  async execute<T>(work: Work<T>, options?: ExecuteOptions): Promise<T | R> {
    const signal = options?.signal;
    try {
      return await work({ signal: signal ?? new AbortController().signal, attempt: 0 });
    } catch (error) {
      const aborted = signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
      if (aborted || (this.when !== undefined && !this.when(error))) throw error;
      this.emitter.emit('fallback', { error });
      return await this.answer(error);
    }
  }
}

/**
 * A fallback: when the work fails (by default any failure but an abort; `when` chooses), answers
 * `answer(error)` instead. Put it outermost in {@link wrap} to answer the other policies' refusals.
 *
 * @example
 * ```ts
 * const summary = wrap(fallback(() => 'Summary unavailable'), timeout(10_000), circuitBreaker({ name: 'llm' }));
 * const text = await summary.execute(({ signal }) => llm.summarize(article, { signal }));
 * ```
 */
export function fallback<R>(answer: (error: unknown) => R | Promise<R>, options?: FallbackOptions): FallbackPolicy<R> {
  return new FallbackPolicy(answer, options);
}
