import { UsageError } from '../errors/index.js';
import type { FallbackPolicy } from './fallback.js';
import type { ExecuteOptions, Policy, PolicyContext, Work } from './policy.js';

/**
 * Several policies run as one (see {@link wrap}).
 *
 * @example
 * ```ts
 * const policy: WrappedPolicy = wrap(retry(), circuitBreaker());
 * ```
 */
export class WrappedPolicy implements Policy {
  /** The policies, outermost first. */
  readonly policies: readonly Policy[];

  /** @internal use {@link wrap} */
  constructor(policies: readonly Policy[]) {
    if (policies.length === 0) throw new UsageError('wrap: give it at least one policy');
    for (const [at, policy] of policies.entries()) {
      if (typeof (policy as Partial<Policy> | null)?.execute !== 'function')
        throw new UsageError(`wrap: policy ${at} is not a policy (it has no execute method)`);
    }
    this.policies = policies;
  }

  execute<T>(work: Work<T>, options?: ExecuteOptions): Promise<T> {
    return this.run(0, work, options, 0);
  }

  // Runs policy `at` around the policies inside it; the attempts of nested retries add up.
  private run<T>(at: number, work: Work<T>, options: ExecuteOptions | undefined, attempts: number): Promise<T> {
    const policy = this.policies[at] as Policy;
    const last = at === this.policies.length - 1;
    return policy.execute((context: PolicyContext) => {
      const attempt = attempts + context.attempt;
      if (last) return work({ signal: context.signal, attempt });
      const inner: ExecuteOptions = { signal: context.signal };
      if (options?.deadlineAt !== undefined) inner.deadlineAt = options.deadlineAt;
      return this.run(at + 1, work, inner, attempt);
    }, options);
  }
}

/**
 * A fallback around other policies (see {@link wrap}).
 *
 * @example
 * ```ts
 * const policy: WrappedFallback<string> = wrap(fallback(() => 'n/a'), retry());
 * ```
 */
export interface WrappedFallback<R> {
  execute<T>(work: Work<T>, options?: ExecuteOptions): Promise<T | R>;
}

/**
 * Composes policies, outermost first: `wrap(retry(), circuitBreaker(), timeout(1000))` retries calls
 * that each pass the breaker and each run under the timeout. The work sees the innermost signal
 * (a timeout's, or the caller's) and the attempt of the retries around it. A {@link fallback} may
 * come first, answering the failures and refusals of all the others.
 *
 * @example
 * ```ts
 * const vk = wrap(retry({ maxRetries: 4 }), circuitBreaker({ name: 'vk' }), timeout(10_000));
 * const posts = await vk.execute(({ signal }) => vkApi.wallGet(ownerId, { signal }));
 * ```
 */
export function wrap<R>(first: FallbackPolicy<R>, ...rest: Policy[]): WrappedFallback<R>;
export function wrap(...policies: Policy[]): WrappedPolicy;
export function wrap(...policies: Array<Policy | FallbackPolicy<unknown>>): WrappedPolicy {
  return new WrappedPolicy(policies as Policy[]);
}
