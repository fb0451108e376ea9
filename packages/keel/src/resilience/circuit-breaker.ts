import { ConstantBackoff, ExponentialBackoff, type IBackoff, type IBackoffFactory, type IBreaker, noJitterGenerator } from 'cockatiel';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { isKeelError } from '../errors/index.js';
import { type BreakerRule, breakerRuleSchema, CircuitState, makeBreaker } from './breaker-rule.js';
import { CircuitOpenError } from './errors.js';
import { Emitter, type ExecuteOptions, NEVER_ABORTED, type ObservablePolicy, type ResilienceListener, type Work } from './policy.js';

/**
 * A circuit's state: `closed` (calls pass), `open` (calls are refused until the break ends),
 * `half-open` (a few probe calls pass; the rest are refused) or `isolated` (held open by hand).
 *
 * @example
 * ```ts
 * const state: CircuitStateName = breaker.state;
 * ```
 */
export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * Options of {@link circuitBreaker}.
 *
 * @example
 * ```ts
 * const options: CircuitBreakerOptions = {
 *   name: 'llm',
 *   breaker: { kind: 'count', threshold: 0.5, size: 20 },
 *   minimumCalls: 10,
 *   halfOpenAfterMs: 30_000,
 *   halfOpenProbes: 3,
 *   critical: true,
 * };
 * ```
 */
export interface CircuitBreakerOptions {
  /** The name in events, metrics, the admin API and readiness. @defaultValue `circuit-breaker` */
  name?: string;
  /** When the circuit opens. @defaultValue `{ kind: 'consecutive', failures: 5 }` */
  breaker?: BreakerRule;
  /** Calls seen since the circuit closed before it may open, whatever the rule says. @defaultValue 5 */
  minimumCalls?: number;
  /** How long the circuit stays open before probing. @defaultValue 10000 */
  halfOpenAfterMs?: number;
  /**
   * The longest break: each failed probe doubles the break, from `halfOpenAfterMs` up to this.
   * @defaultValue `halfOpenAfterMs` (a constant break)
   */
  maxHalfOpenAfterMs?: number;
  /** Probe calls let through while half-open; all must succeed to close, one failure re-opens. @defaultValue 1 */
  halfOpenProbes?: number;
  /**
   * Which errors count as the dependency failing. @defaultValue every error but an abort
   * (`AbortError`, or the caller's signal fired) and a `KeelError` under 500 (the caller's fault)
   */
  isFailure?: (error: unknown) => boolean;
  /** Readiness is `down` (not `degraded`) while this circuit is open. @defaultValue false */
  critical?: boolean;
}

const schema = z
  .object({
    name: option.name().default('circuit-breaker'),
    breaker: breakerRuleSchema.default({ kind: 'consecutive', failures: 5 }),
    minimumCalls: option.count().default(5),
    halfOpenAfterMs: option.positiveDurationMs().default(10_000),
    maxHalfOpenAfterMs: option.positiveDurationMs().optional(),
    halfOpenProbes: option.count().default(1),
    isFailure: option.fn<(error: unknown) => boolean>().default(() => countsAsFailure),
    critical: z.boolean().default(false),
  })
  .refine((o) => o.maxHalfOpenAfterMs === undefined || o.maxHalfOpenAfterMs >= o.halfOpenAfterMs, {
    message: 'must be halfOpenAfterMs or more',
    path: ['maxHalfOpenAfterMs'],
  });

type Resolved = z.output<typeof schema>;

/** The default `isFailure`: the dependency failed, not the caller. */
function countsAsFailure(error: unknown): boolean {
  if (error instanceof Error && error.name === 'AbortError') return false;
  return !(isKeelError(error) && error.status < 500);
}

/**
 * What a breaker reports about itself (the admin API's answer).
 *
 * @example
 * ```ts
 * const { state, openUntil } = breaker.snapshot();
 * ```
 */
export interface CircuitSnapshot {
  name: string;
  state: CircuitStateName;
  critical: boolean;
  /** When it last opened (ISO time), if it is open or half-open. */
  openedAt?: string;
  /** When it lets a probe through (ISO time), if it is open. */
  halfOpenAt?: string;
  /** The last failure that counted, in words. */
  lastFailure?: string;
  /** Whether the state is shared with other instances through the store. */
  shared: boolean;
}

type Inner =
  | { value: 'closed'; calls: number }
  | { value: 'open'; openedAt: number; until: number; backoff: IBackoff<unknown> }
  | { value: 'half-open'; openedAt: number; backoff: IBackoff<unknown>; started: number; succeeded: number }
  | { value: 'isolated' };

/**
 * A circuit breaker (see {@link circuitBreaker}).
 *
 * @example
 * ```ts
 * const breaker: CircuitBreakerPolicy = circuitBreaker({ name: 'indexer' });
 * if (breaker.state === 'open') log.warn('the indexer is down');
 * ```
 */
export class CircuitBreakerPolicy implements ObservablePolicy {
  readonly type = 'circuit_breaker' as const;
  readonly name: string;
  /** Readiness is `down` while this circuit is open. */
  readonly critical: boolean;
  private readonly options: Resolved;
  private readonly emitter: Emitter;
  private readonly breakFactory: IBackoffFactory<unknown>;
  private rule: IBreaker;
  private inner: Inner = { value: 'closed', calls: 0 };
  // Bumped on every transition: a call started in an earlier state does not move the current one.
  private generation = 0;
  private lastFailure: unknown;

  /** @internal use {@link circuitBreaker} */
  constructor(options: CircuitBreakerOptions | undefined) {
    this.options = checkOptions('circuitBreaker', schema, options);
    this.name = this.options.name;
    this.critical = this.options.critical;
    this.emitter = new Emitter(this.name, 'circuit_breaker');
    this.rule = makeBreaker(this.options.breaker);
    const { halfOpenAfterMs, maxHalfOpenAfterMs } = this.options;
    this.breakFactory =
      maxHalfOpenAfterMs === undefined || maxHalfOpenAfterMs === halfOpenAfterMs
        ? new ConstantBackoff(halfOpenAfterMs)
        : new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: halfOpenAfterMs, maxDelay: maxHalfOpenAfterMs });
  }

  onEvent(listener: ResilienceListener): () => void {
    return this.emitter.on(listener);
  }

  /** The state now (an open circuit whose break has ended reads `half-open`). */
  get state(): CircuitStateName {
    const inner = this.inner;
    if (inner.value === 'open' && Date.now() >= inner.until) return 'half-open';
    return inner.value;
  }

  /** The state, when it opened and when it probes, the last failure. */
  snapshot(): CircuitSnapshot {
    const inner = this.inner;
    const state = this.state;
    const snapshot: CircuitSnapshot = { name: this.name, state, critical: this.critical, shared: false };
    if (inner.value === 'open' || inner.value === 'half-open') snapshot.openedAt = new Date(inner.openedAt).toISOString();
    if (inner.value === 'open' && state === 'open') snapshot.halfOpenAt = new Date(inner.until).toISOString();
    if (this.lastFailure !== undefined) snapshot.lastFailure = describe(this.lastFailure);
    return snapshot;
  }

  /**
   * Holds the circuit open by hand until {@link reset}: every call is refused. Takes effect at once
   * here; the promise settles once a shared state is written.
   */
  async isolate(): Promise<void> {
    if (this.inner.value === 'isolated') return;
    this.moveTo({ value: 'isolated' });
    this.emitter.emit('isolate');
  }

  /**
   * Closes the circuit by hand (also ending an isolation), forgetting the failures counted. Takes
   * effect at once here; the promise settles once a shared state is written.
   */
  async reset(): Promise<void> {
    this.close();
  }

  async execute<T>(work: Work<T>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal ?? NEVER_ABORTED;
    const probe = this.admit();
    const generation = this.generation;
    let result: T;
    try {
      result = await work({ signal, attempt: 0 });
    } catch (error) {
      if (generation === this.generation) {
        if (signal.aborted || !this.options.isFailure(error)) this.settle(probe, undefined, signal.aborted);
        else this.settle(probe, error, false);
      }
      throw error;
    }
    if (generation === this.generation) this.settle(probe, undefined, false);
    return result;
  }

  // Lets a call through (true when it is a half-open probe) or throws the refusal.
  private admit(): boolean {
    const inner = this.inner;
    switch (inner.value) {
      case 'closed':
        return false;
      case 'isolated':
        this.emitter.emit('circuit_reject', { reason: 'isolated' });
        throw new CircuitOpenError(this.name, true, undefined);
      case 'open': {
        const now = Date.now();
        if (now < inner.until) {
          this.emitter.emit('circuit_reject', { reason: 'open' });
          throw new CircuitOpenError(this.name, false, inner.until - now);
        }
        this.moveTo({ value: 'half-open', openedAt: inner.openedAt, backoff: inner.backoff, started: 1, succeeded: 0 });
        this.emitter.emit('half_open');
        return true;
      }
      case 'half-open':
        if (inner.started < this.options.halfOpenProbes) {
          inner.started += 1;
          return true;
        }
        this.emitter.emit('circuit_reject', { reason: 'probing' });
        throw new CircuitOpenError(this.name, false, undefined);
    }
  }

  // Records a call's outcome: `failure` undefined for a success (or an error that does not count).
  private settle(probe: boolean, failure: unknown, abandoned: boolean): void {
    const inner = this.inner;
    if (failure !== undefined) this.lastFailure = failure;
    if (inner.value === 'closed') {
      if (abandoned) return;
      inner.calls += 1;
      if (failure === undefined) {
        this.rule.success(CircuitState.Closed);
        return;
      }
      if (this.rule.failure(CircuitState.Closed) && inner.calls >= this.options.minimumCalls) this.open(failure, undefined);
      return;
    }
    if (inner.value !== 'half-open' || !probe) return;
    if (abandoned) {
      // The caller gave up on its probe: no verdict, another call may probe.
      inner.started -= 1;
      return;
    }
    if (failure !== undefined) {
      this.rule.failure(CircuitState.HalfOpen);
      this.open(failure, inner.backoff);
      return;
    }
    inner.succeeded += 1;
    if (inner.succeeded >= this.options.halfOpenProbes) {
      this.rule.success(CircuitState.HalfOpen);
      this.close();
    }
  }

  private open(failure: unknown, previous: IBackoff<unknown> | undefined): void {
    const backoff = previous === undefined ? this.breakFactory.next(undefined) : previous.next(undefined);
    const now = Date.now();
    this.moveTo({ value: 'open', openedAt: now, until: now + backoff.duration, backoff });
    this.emitter.emit('break', { error: failure, delayMs: backoff.duration });
  }

  private close(): void {
    const was = this.inner.value;
    this.rule = makeBreaker(this.options.breaker);
    this.moveTo({ value: 'closed', calls: 0 });
    if (was !== 'closed') this.emitter.emit('reset');
  }

  private moveTo(inner: Inner): void {
    this.inner = inner;
    this.generation += 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}

/**
 * A circuit breaker: after too many failures (by default 5 in a row, and never before 5 calls) it
 * opens and refuses calls with a {@link CircuitOpenError} (503) without running them; after
 * `halfOpenAfterMs` (10 s) it lets `halfOpenProbes` (1) probe calls through, closing when they all
 * succeed and re-opening on a failure. Aborted calls and `KeelError`s under 500 do not count.
 *
 * @example
 * ```ts
 * const llm = circuitBreaker({ name: 'llm', breaker: { kind: 'count', threshold: 0.5, size: 20 }, halfOpenProbes: 3 });
 * const answer = await llm.execute(({ signal }) => complete(prompt, { signal }));
 * ```
 */
export function circuitBreaker(options?: CircuitBreakerOptions): CircuitBreakerPolicy {
  return new CircuitBreakerPolicy(options);
}
