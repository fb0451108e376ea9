import { CircuitState, ConsecutiveBreaker, CountBreaker, type IBreaker, SamplingBreaker } from 'cockatiel';
import { z } from 'zod';
import { option } from '../config/index.js';

/**
 * When a circuit breaker opens (cockatiel's breakers underneath):
 * - `consecutive`: after `failures` failures in a row;
 * - `count`: when more than `threshold` (a ratio, 0 to 1) of the last `size` calls failed;
 * - `sampling`: when more than `threshold` of the calls of the last `durationMs` failed, at a rate
 *   of at least `minimumRps` calls a second.
 * Whatever the rule, the breaker never opens before it has seen `minimumCalls` calls since it closed.
 *
 * @example
 * ```ts
 * const rule: BreakerRule = { kind: 'count', threshold: 0.5, size: 20 };
 * ```
 */
export type BreakerRule =
  | { kind: 'consecutive'; failures?: number }
  | { kind: 'count'; threshold: number; size: number }
  | { kind: 'sampling'; threshold: number; durationMs: number; minimumRps?: number };

const ratio = z.number().gt(0, 'must be more than 0').lt(1, 'must be less than 1');

/** The schema of a {@link BreakerRule}. Internal. */
export const breakerRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('consecutive'), failures: option.count().default(5) }).strict(),
  z.object({ kind: z.literal('count'), threshold: ratio, size: option.count() }).strict(),
  z
    .object({
      kind: z.literal('sampling'),
      threshold: ratio,
      durationMs: z.number().int().min(100, 'must be 100 or more'),
      minimumRps: z.number().positive('must be more than 0').optional(),
    })
    .strict(),
]);

/** A cockatiel breaker for a rule: fresh counters. Internal. */
export function makeBreaker(rule: z.output<typeof breakerRuleSchema>): IBreaker {
  switch (rule.kind) {
    case 'consecutive':
      return new ConsecutiveBreaker(rule.failures);
    case 'count':
      // The breaker's own minimum is the window: our minimumCalls is applied above it.
      return new CountBreaker({ threshold: rule.threshold, size: rule.size, minimumNumberOfCalls: 1 });
    case 'sampling':
      return new SamplingBreaker({
        threshold: rule.threshold,
        duration: rule.durationMs,
        ...(rule.minimumRps === undefined ? {} : { minimumRps: rule.minimumRps }),
      });
  }
}

export { CircuitState };
