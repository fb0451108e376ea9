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

export { resilienceAdminRoutes } from './admin-routes.js';
export type { BreakerRule } from './breaker-rule.js';
export { type BulkheadOptions, BulkheadPolicy, bulkhead } from './bulkhead.js';
export {
  type CircuitBreakerOptions,
  CircuitBreakerPolicy,
  type CircuitSnapshot,
  type CircuitStateName,
  circuitBreaker,
  type SharedCircuitOptions,
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
export { type FallbackOptions, FallbackPolicy, fallback } from './fallback.js';
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
export { type RateLimitExecuteOptions, type RateLimitOptions, RateLimitPolicy, rateLimit } from './rate-limit.js';
export { ResilienceRegistry, type ResilienceRegistryOptions } from './registry.js';
export { type RetryOptions, RetryPolicy, retry } from './retry.js';
export type { CircuitStore } from './shared-circuit.js';
export { type TimeoutOptions, TimeoutPolicy, timeout } from './timeout.js';
export { isTransientError } from './transient.js';
export { type WrappedFallback, WrappedPolicy, wrap } from './wrap.js';
