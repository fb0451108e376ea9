/**
 * `keel/resilience`: retry, circuit breaker, bulkhead, timeout, fallback and rate limit policies
 * with safe defaults (on cockatiel 3), composed with `wrap`, with typed refusals (`KeelError`s, 503
 * and 504) and events for metrics and logs.
 *
 * @example
 * ```ts
 * import { circuitBreaker, retry, timeout, wrap } from 'keel/resilience';
 *
 * const llm = wrap(retry(), circuitBreaker({ name: 'llm' }), timeout(30_000));
 * const answer = await llm.execute(({ signal }) => complete(prompt, { signal }));
 * ```
 * @module
 */
export type { BreakerRule } from './breaker-rule.js';
export { bulkhead, BulkheadPolicy, type BulkheadOptions } from './bulkhead.js';
export {
  type CircuitBreakerOptions,
  CircuitBreakerPolicy,
  type CircuitSnapshot,
  type CircuitStateName,
  circuitBreaker,
} from './circuit-breaker.js';
export {
  BULKHEAD_FULL,
  BulkheadFullError,
  CIRCUIT_OPEN,
  CircuitOpenError,
  POLICY_TIMEOUT,
  PolicyTimeoutError,
  RATE_LIMIT_EXCEEDED,
  RateLimitExceededError,
} from './errors.js';
export { fallback, type FallbackOptions, FallbackPolicy } from './fallback.js';
export type {
  ExecuteOptions,
  ObservablePolicy,
  Policy,
  PolicyContext,
  PolicyType,
  ResilienceEvent,
  ResilienceEventKind,
  ResilienceListener,
  Work,
} from './policy.js';
export { rateLimit, type RateLimitExecuteOptions, type RateLimitOptions, RateLimitPolicy } from './rate-limit.js';
export { retry, type RetryOptions, RetryPolicy } from './retry.js';
export { timeout, type TimeoutOptions, TimeoutPolicy } from './timeout.js';
export { isTransientError } from './transient.js';
export { type WrappedFallback, WrappedPolicy, wrap } from './wrap.js';
export { resilienceAdminRoutes } from './admin-routes.js';
export { ResilienceRegistry, type ResilienceRegistryOptions } from './registry.js';
