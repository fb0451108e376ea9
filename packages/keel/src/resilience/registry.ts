import type { Logger } from 'pino';
import { UsageError } from '../errors/index.js';
import type { HealthCheck } from '../health/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import type { Component, ComponentContext } from '../service/index.js';
import { type BulkheadOptions, BulkheadPolicy, bulkhead } from './bulkhead.js';
import { type CircuitBreakerOptions, CircuitBreakerPolicy, circuitBreaker } from './circuit-breaker.js';
import { type FallbackOptions, type FallbackPolicy, fallback } from './fallback.js';
import { logEvent, ResilienceMetrics } from './observe.js';
import type { ObservablePolicy, PolicyType, ResilienceEvent } from './policy.js';
import { type RateLimitOptions, type RateLimitPolicy, rateLimit } from './rate-limit.js';
import { type RetryOptions, type RetryPolicy, retry } from './retry.js';
import { type CircuitStore, migrateShared } from './shared-circuit.js';
import { type TimeoutOptions, type TimeoutPolicy, timeout } from './timeout.js';

/**
 * Options of {@link ResilienceRegistry}.
 *
 * @example
 * ```ts
 * const options: ResilienceRegistryOptions = { metrics: service.metrics, logger };
 * ```
 */
export interface ResilienceRegistryOptions {
  /** Where events are counted; the service's when the registry starts as its component. @defaultValue none */
  metrics?: MetricsRegistry;
  /** Where events are logged; the service's when the registry starts as its component. @defaultValue none */
  logger?: Logger;
  /**
   * The store shared circuit breakers (`shared: true`) keep their state in; the registry then
   * starts after it. @defaultValue none (a shared breaker is refused)
   */
  store?: CircuitStore;
}

type AnyPolicy = ObservablePolicy | FallbackPolicy<unknown>;

/**
 * The service's named policies: each one's events go to Prometheus (`keel_resilience_*`) and the
 * logs, its breakers are listed, isolated and reset by the admin API, and an open breaker shows in
 * readiness (`degraded`, or `down` for a breaker marked `critical`). A service component: `createApp`
 * makes one (`app.resilience`, and `resilience` in every feature's context).
 *
 * @example
 * ```ts
 * const llm = app.resilience.circuitBreaker('llm', { critical: true, halfOpenProbes: 2 });
 * const calls = wrap(app.resilience.retry('llm'), llm, app.resilience.timeout('llm', 30_000));
 * const text = await calls.execute(({ signal }) => complete(prompt, { signal }));
 * ```
 */
export class ResilienceRegistry implements Component {
  readonly name = 'resilience';
  readonly dependsOn: readonly string[];
  private readonly policies = new Map<string, AnyPolicy>();
  private metrics: ResilienceMetrics | undefined;
  private logger: Logger | undefined;
  private readonly store: CircuitStore | undefined;

  constructor(options: ResilienceRegistryOptions = {}) {
    if (options.metrics !== undefined) this.metrics = new ResilienceMetrics(options.metrics);
    this.logger = options.logger;
    this.store = options.store;
    this.dependsOn = options.store === undefined ? [] : [options.store.name];
  }

  /**
   * Adds a policy made elsewhere (a client's own), reporting its events from now on; returns it.
   * A second policy of the same type and name is refused with a UsageError.
   */
  add<P extends AnyPolicy>(policy: P): P {
    if (typeof (policy as Partial<AnyPolicy> | null)?.onEvent !== 'function')
      throw new UsageError('resilience.add: give it a policy made by keel/resilience');
    const key = keyOf(policy.type, policy.name);
    if (this.policies.has(key))
      throw new UsageError(`resilience: there is already a ${policy.type} policy named "${policy.name}"`);
    this.policies.set(key, policy);
    policy.onEvent((event) => this.report(event));
    if (policy instanceof CircuitBreakerPolicy) this.metrics?.watchBreaker(policy);
    if (policy instanceof BulkheadPolicy) this.metrics?.watchBulkhead(policy);
    return policy;
  }

  /** Makes and adds a {@link retry} policy named `name`. */
  retry(name: string, options?: Omit<RetryOptions, 'name'>): RetryPolicy {
    return this.add(retry({ ...options, name }));
  }

  /**
   * Makes and adds a {@link circuitBreaker} named `name`; `shared: true` shares its state through
   * the registry's store (`app.resilience` has the service's).
   */
  circuitBreaker(name: string, options?: Omit<CircuitBreakerOptions, 'name'>): CircuitBreakerPolicy {
    const shared = options?.shared;
    const store =
      shared === true || (typeof shared === 'object' && shared.store === undefined) ? this.store : undefined;
    if (store === undefined && shared === true)
      throw new UsageError(`resilience: the shared circuit breaker "${name}" needs a registry with a store`);
    const withStore =
      store === undefined ? options : { ...options, shared: { ...(shared === true ? {} : shared), store } };
    return this.add(circuitBreaker({ ...withStore, name }));
  }

  /** Makes and adds a {@link bulkhead} named `name`. */
  bulkhead(name: string, options?: Omit<BulkheadOptions, 'name'>): BulkheadPolicy {
    return this.add(bulkhead({ ...options, name }));
  }

  /** Makes and adds a {@link timeout} named `name`. */
  timeout(name: string, timeoutMs: number, options?: Omit<TimeoutOptions, 'name'>): TimeoutPolicy {
    return this.add(timeout(timeoutMs, { ...options, name }));
  }

  /** Makes and adds a {@link rateLimit} named `name`. */
  rateLimit(name: string, options: Omit<RateLimitOptions, 'name'>): RateLimitPolicy {
    return this.add(rateLimit({ ...options, name }));
  }

  /** Makes and adds a {@link fallback} named `name`. */
  fallback<R>(
    name: string,
    answer: (error: unknown) => R | Promise<R>,
    options?: Omit<FallbackOptions, 'name'>,
  ): FallbackPolicy<R> {
    return this.add(fallback(answer, { ...options, name }));
  }

  /** The policy of that type and name, if added. */
  get(type: PolicyType, name: string): AnyPolicy | undefined {
    return this.policies.get(keyOf(type, name));
  }

  /** The circuit breaker named `name`, if added. */
  breaker(name: string): CircuitBreakerPolicy | undefined {
    const policy = this.policies.get(keyOf('circuit_breaker', name));
    return policy instanceof CircuitBreakerPolicy ? policy : undefined;
  }

  /** Every circuit breaker added, by name. */
  breakers(): CircuitBreakerPolicy[] {
    return [...this.policies.values()]
      .filter((policy): policy is CircuitBreakerPolicy => policy instanceof CircuitBreakerPolicy)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The readiness checks: `resilience` (non-critical breakers; failing makes readiness `degraded`)
   * and `resilience-critical` (breakers marked `critical`; failing makes it `down`). A check fails
   * while one of its breakers is open or isolated, naming them.
   */
  healthChecks(): HealthCheck[] {
    const check = (critical: boolean) => async () => {
      const breakers = this.breakers().filter((breaker) => breaker.critical === critical);
      await Promise.all(breakers.map((breaker) => breaker.refresh()));
      const open = breakers.filter((breaker) => breaker.state === 'open' || breaker.state === 'isolated');
      if (open.length > 0) throw new Error(`circuit open: ${open.map((b) => `${b.name} (${b.state})`).join(', ')}`);
      return { breakers: Object.fromEntries(breakers.map((breaker) => [breaker.name, breaker.state])) };
    };
    return [
      { name: 'resilience', critical: false, check: check(false) },
      { name: 'resilience-critical', critical: true, check: check(true) },
    ];
  }

  /** As a component: reports to the service's metrics and logs (unless given others) and readiness. */
  async start(context: ComponentContext): Promise<void> {
    if (this.metrics === undefined) {
      this.metrics = new ResilienceMetrics(context.metrics);
      for (const policy of this.policies.values()) {
        if (policy instanceof CircuitBreakerPolicy) this.metrics.watchBreaker(policy);
        if (policy instanceof BulkheadPolicy) this.metrics.watchBulkhead(policy);
      }
    }
    this.logger ??= context.logger;
    for (const check of this.healthChecks()) context.health.register(check);
    // Shared breakers' table exists before the first call (one made later migrates on first use).
    if (this.store !== undefined && this.breakers().some((breaker) => breaker.snapshot().shared))
      await migrateShared(this.store);
  }

  async stop(): Promise<void> {}

  private report(event: ResilienceEvent): void {
    this.metrics?.record(event);
    if (this.logger !== undefined) logEvent(this.logger, event);
  }
}

function keyOf(type: PolicyType, name: string): string {
  return `${type}\u0000${name}`;
}
