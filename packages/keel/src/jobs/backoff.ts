import { z } from 'zod';
import { option } from '../config/index.js';
import type { BackoffOptions } from './types.js';

/**
 * The default backoff: exponential from 1 s, doubling, up to 1 hour, with full jitter.
 *
 * @example
 * ```ts
 * const delayMs = backoffDelay(type.backoff ?? defaultBackoff, attempt);
 * ```
 */
export const defaultBackoff: BackoffOptions = { type: 'exponential', baseMs: 1000, maxMs: 3_600_000, jitter: true };

/**
 * The rules of a {@link BackoffOptions} option (of the queue, a job type or one enqueue), for
 * capabilities on jobs that take the same option.
 *
 * @example
 * ```ts
 * const schema = z.object({ backoff: backoffOption.optional() });
 * ```
 */
export const backoffOption = z.discriminatedUnion(
  'type',
  [
    z.object({
      type: z.literal('exponential'),
      baseMs: option.durationMs().optional(),
      maxMs: option.durationMs().optional(),
      jitter: z.boolean('must be true or false').optional(),
    }),
    z.object({ type: z.literal('fixed'), delayMs: option.durationMs() }),
  ],
  { error: 'must be "exponential" or "fixed"' },
);

/**
 * The delay before the attempt after failed attempt number `attempt` (1-based).
 *
 * @example
 * ```ts
 * backoffDelay({ type: 'exponential', baseMs: 500, jitter: false }, 3); // 2000
 * ```
 */
export function backoffDelay(backoff: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  if (backoff.type === 'fixed') return backoff.delayMs;
  const base = backoff.baseMs ?? 1000;
  const max = backoff.maxMs ?? 3_600_000;
  const delay = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round((backoff.jitter ?? true) ? random() * delay : delay);
}
