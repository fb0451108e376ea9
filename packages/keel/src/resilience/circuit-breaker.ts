import { type IBreaker, noJitterGenerator } from 'cockatiel';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { isKeelError, UsageError } from '../errors/index.js';
import { type BreakerRule, breakerRuleSchema, CircuitState, makeBreaker } from './breaker-rule.js';
import { CircuitOpenError } from './errors.js';
import {
  Emitter,
  type ExecuteOptions,
  NEVER_ABORTED,
  type ObservablePolicy,
  type ResilienceListener,
  type Work,
} from './policy.js';
import { type CircuitStore, SharedCircuit, type SharedView } from './shared-circuit.js';

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
  /**
   * Share the circuit's state with the service's other instances through the store (see
   * {@link SharedCircuitOptions}); `true` through a {@link ResilienceRegistry}, which gives its store.
   * @defaultValue false
   */
  shared?: boolean | SharedCircuitOptions;
}

/**
 * How a circuit is shared between instances: its state lives in the store's
 * `keel_resilience_circuit` table. Each instance counts its own calls; the first whose rule trips
 * opens the circuit for all; once the break ends, one instance takes the probe lease and probes
 * while the others keep refusing; its verdict closes or re-opens the circuit for all. Isolate and
 * reset apply to all. An instance that cannot reach the store decides alone meanwhile.
 *
 * @example
 * ```ts
 * const options: SharedCircuitOptions = { store, syncIntervalMs: 500, probeLeaseMs: 15_000 };
 * ```
 */
export interface SharedCircuitOptions {
  /** The store holding the state (its migrations add `keel_resilience_circuit`). */
  store?: CircuitStore;
  /** How stale this instance's copy of the state may be before a call reads it again. @defaultValue 1000 */
  syncIntervalMs?: number;
  /** How long the probing instance holds its lease (a crashed prober's lease then expires). @defaultValue 10000 */
  probeLeaseMs?: number;
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
    shared: z
      .custom<boolean | SharedCircuitOptions>(
        (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null),
        'must be true, false or { store, syncIntervalMs, probeLeaseMs }',
      )
      .default(false),
  })
  .refine((o) => o.maxHalfOpenAfterMs === undefined || o.maxHalfOpenAfterMs >= o.halfOpenAfterMs, {
    message: 'must be halfOpenAfterMs or more',
    path: ['maxHalfOpenAfterMs'],
  });

type Resolved = z.output<typeof schema>;

const sharedSchema = z
  .object({
    store: z
      .custom<CircuitStore>((v) => typeof (v as CircuitStore | null)?.migrate === 'function', 'must be a Store')
      .optional(),
    syncIntervalMs: option.positiveDurationMs().default(1000),
    probeLeaseMs: option.positiveDurationMs().default(10_000),
  })
  .strict();

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
  | { value: 'open'; openedAt: number; until: number; opens: number }
  | { value: 'half-open'; openedAt: number; opens: number; started: number; succeeded: number }
  | { value: 'isolated' };

/** A call let through: a plain one, a half-open probe, or one that must first take the shared lease. */
type Admission = 'pass' | 'probe' | 'lease';

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
  private rule: IBreaker;
  private inner: Inner = { value: 'closed', calls: 0 };
  // Bumped on every transition: a call started in an earlier state does not move the current one.
  private generation = 0;
  private lastFailure: string | undefined;
  private readonly shared: SharedCircuit | undefined;
  private readonly syncIntervalMs: number;
  // The shared row's version this instance's state mirrors, and when it was read.
  private sharedVersion = 0;
  private syncedAt = Number.NEGATIVE_INFINITY;
  private syncing: Promise<void> | undefined;
  private leasing: Promise<boolean> | undefined;

  /** @internal use {@link circuitBreaker} */
  constructor(options: CircuitBreakerOptions | undefined) {
    this.options = checkOptions('circuitBreaker', schema, options);
    this.name = this.options.name;
    this.critical = this.options.critical;
    this.emitter = new Emitter(this.name, 'circuit_breaker');
    this.rule = makeBreaker(this.options.breaker);
    const given = this.options.shared;
    const shared =
      typeof given === 'boolean' ? given : checkOptions(`circuitBreaker "${this.name}": shared`, sharedSchema, given);
    if (shared === true || (shared !== false && shared.store === undefined))
      throw new UsageError(
        `circuitBreaker "${this.name}": a shared breaker needs a store (shared: { store }), or make it with a ResilienceRegistry that has one`,
      );
    this.shared =
      shared === false ? undefined : new SharedCircuit(shared.store as CircuitStore, this.name, shared.probeLeaseMs);
    this.syncIntervalMs = shared === false ? 0 : shared.syncIntervalMs;
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
    const snapshot: CircuitSnapshot = {
      name: this.name,
      state,
      critical: this.critical,
      shared: this.shared !== undefined,
    };
    if (inner.value === 'open' || inner.value === 'half-open')
      snapshot.openedAt = new Date(inner.openedAt).toISOString();
    if (inner.value === 'open' && state === 'open') snapshot.halfOpenAt = new Date(inner.until).toISOString();
    if (this.lastFailure !== undefined) snapshot.lastFailure = this.lastFailure;
    return snapshot;
  }

  /** Reads a shared state now (a no-op for a breaker that is not shared). */
  async refresh(): Promise<void> {
    if (this.shared !== undefined) await this.sync();
  }

  /**
   * Holds the circuit open by hand until {@link reset}: every call is refused (on every instance,
   * when shared). Takes effect here at once; the promise settles once a shared state is written.
   */
  async isolate(): Promise<void> {
    if (this.inner.value !== 'isolated') {
      this.moveTo({ value: 'isolated' });
      this.emitter.emit('isolate');
    }
    await this.write((shared) => shared.force('isolated', Date.now()));
  }

  /**
   * Closes the circuit by hand (also ending an isolation), forgetting the failures counted (on
   * every instance, when shared). Takes effect here at once; the promise settles once a shared
   * state is written.
   */
  async reset(): Promise<void> {
    this.close();
    await this.write((shared) => shared.force('closed', Date.now()));
  }

  async execute<T>(work: Work<T>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal ?? NEVER_ABORTED;
    if (this.shared !== undefined && Date.now() - this.syncedAt >= this.syncIntervalMs) await this.sync();
    let admission = this.admit();
    if (admission === 'lease') admission = await this.takeLease();
    const probe = admission === 'probe';
    const generation = this.generation;
    let result: T;
    try {
      result = await work({ signal, attempt: 0 });
    } catch (error) {
      if (generation === this.generation) {
        const counts = !signal.aborted && this.options.isFailure(error);
        await this.settle(probe, counts ? error : undefined, signal.aborted);
      }
      throw error;
    }
    if (generation === this.generation) await this.settle(probe, undefined, false);
    return result;
  }

  // Lets a call through or throws the refusal.
  private admit(): Admission {
    const inner = this.inner;
    switch (inner.value) {
      case 'closed':
        return 'pass';
      case 'isolated':
        this.emitter.emit('circuit_reject', { reason: 'isolated' });
        throw new CircuitOpenError(this.name, true, undefined);
      case 'open': {
        const now = Date.now();
        if (now < inner.until) {
          this.emitter.emit('circuit_reject', { reason: 'open' });
          throw new CircuitOpenError(this.name, false, inner.until - now);
        }
        if (this.shared !== undefined) return 'lease';
        this.halfOpen(inner);
        return this.admit();
      }
      case 'half-open':
        if (inner.started < this.options.halfOpenProbes) {
          inner.started += 1;
          return 'probe';
        }
        this.emitter.emit('circuit_reject', { reason: 'probing' });
        throw new CircuitOpenError(this.name, false, undefined);
    }
  }

  private halfOpen(inner: Extract<Inner, { value: 'open' }>): void {
    this.moveTo({ value: 'half-open', openedAt: inner.openedAt, opens: inner.opens, started: 0, succeeded: 0 });
    this.emitter.emit('half_open');
  }

  // A shared circuit's break ended: one instance takes the probe lease, the others keep refusing.
  private async takeLease(): Promise<Admission> {
    const shared = this.shared as SharedCircuit;
    this.leasing ??= (async () => {
      try {
        return await shared.acquireProbe(this.sharedVersion, Date.now());
      } catch (error) {
        // The store is unreachable: decide alone rather than stay open for as long as it is down.
        this.emitter.emit('sync_error', { error });
        return true;
      } finally {
        this.leasing = undefined;
      }
    })();
    const held = await this.leasing;
    if (held && this.inner.value === 'open') this.halfOpen(this.inner);
    if (!held) await this.sync();
    const admission = this.admit();
    if (admission !== 'lease') return admission;
    // Another instance probes (its lease read after ours failed): wait for its verdict.
    this.emitter.emit('circuit_reject', { reason: 'probing_elsewhere' });
    throw new CircuitOpenError(this.name, false, undefined);
  }

  // Records a call's outcome: `failure` undefined for a success (or an error that does not count).
  private settle(probe: boolean, failure: unknown, abandoned: boolean): Promise<void> | undefined {
    const inner = this.inner;
    if (failure !== undefined) this.lastFailure = describe(failure);
    if (inner.value === 'closed') {
      if (abandoned) return undefined;
      inner.calls += 1;
      if (failure === undefined) {
        this.rule.success(CircuitState.Closed);
        return undefined;
      }
      if (!this.rule.failure(CircuitState.Closed) || inner.calls < this.options.minimumCalls) return undefined;
      const { until } = this.open(failure, 1);
      return this.write((shared) => shared.openFromClosed(Date.now(), until - Date.now(), this.lastFailure));
    }
    if (inner.value !== 'half-open' || !probe) return undefined;
    if (abandoned) {
      // The caller gave up on its probe: no verdict, another call may probe.
      inner.started -= 1;
      return undefined;
    }
    const version = this.sharedVersion;
    if (failure !== undefined) {
      this.rule.failure(CircuitState.HalfOpen);
      const { until, opens } = this.open(failure, inner.opens + 1);
      return this.write((shared) => shared.reopen(version, Date.now(), until - Date.now(), opens, this.lastFailure));
    }
    inner.succeeded += 1;
    if (inner.succeeded < this.options.halfOpenProbes) return undefined;
    this.rule.success(CircuitState.HalfOpen);
    this.close();
    return this.write((shared) => shared.closeAfterProbes(version, Date.now()));
  }

  private open(failure: unknown, opens: number): { until: number; opens: number } {
    const breakMs = this.breakMs(opens);
    const now = Date.now();
    this.moveTo({ value: 'open', openedAt: now, until: now + breakMs, opens });
    this.emitter.emit('break', { error: failure, delayMs: breakMs });
    return { until: now + breakMs, opens };
  }

  // The break after `opens` opens in a row: halfOpenAfterMs, doubling up to maxHalfOpenAfterMs.
  private breakMs(opens: number): number {
    const { halfOpenAfterMs, maxHalfOpenAfterMs } = this.options;
    if (maxHalfOpenAfterMs === undefined) return halfOpenAfterMs;
    const [delay] = noJitterGenerator(opens - 1, {
      generator: noJitterGenerator,
      initialDelay: halfOpenAfterMs,
      maxDelay: maxHalfOpenAfterMs,
      exponent: 2,
    });
    return delay;
  }

  private close(reason?: 'peer'): void {
    const was = this.inner.value;
    this.rule = makeBreaker(this.options.breaker);
    this.moveTo({ value: 'closed', calls: 0 });
    if (was !== 'closed') this.emitter.emit('reset', reason === undefined ? {} : { reason });
  }

  private moveTo(inner: Inner): void {
    this.inner = inner;
    this.generation += 1;
  }

  // Writes a transition to the shared state and adopts the row as it is after.
  private async write(change: (shared: SharedCircuit) => Promise<SharedView | undefined>): Promise<void> {
    if (this.shared === undefined) return;
    try {
      const row = await change(this.shared);
      if (row !== undefined) this.apply(row);
    } catch (error) {
      this.emitter.emit('sync_error', { error });
    }
  }

  // Reads the shared state (one read at a time); an unreachable store leaves the local state alone.
  private sync(): Promise<void> {
    const shared = this.shared as SharedCircuit;
    this.syncing ??= (async () => {
      try {
        const row = await shared.read();
        if (row !== undefined) this.apply(row);
      } catch (error) {
        this.emitter.emit('sync_error', { error });
      } finally {
        this.syncedAt = Date.now();
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  // Adopts the shared row: another instance opened, closed, isolated or is probing the circuit.
  private apply(row: SharedView): void {
    this.syncedAt = Date.now();
    if (row.version < this.sharedVersion) return;
    this.sharedVersion = row.version;
    if (row.lastFailure !== undefined) this.lastFailure = row.lastFailure;
    const inner = this.inner;
    if (row.state === 'closed') {
      if (inner.value !== 'closed') this.close('peer');
      return;
    }
    if (row.state === 'isolated') {
      if (inner.value !== 'isolated') {
        this.moveTo({ value: 'isolated' });
        this.emitter.emit('isolate', { reason: 'peer' });
      }
      return;
    }
    const openedAt = row.openedAt ?? Date.now();
    const shared = this.shared as SharedCircuit;
    const mine = row.probeHolder === shared.instance;
    if (inner.value === 'half-open' && mine) return;
    // While a peer holds the probe lease, refuse until it ends (its verdict arrives with a sync).
    const peerProbing = row.probeHolder !== undefined && !mine && (row.probeUntil ?? 0) > Date.now();
    const until = Math.max(row.openUntil ?? openedAt, peerProbing ? (row.probeUntil as number) : 0);
    if (inner.value === 'open') {
      inner.openedAt = openedAt;
      inner.until = until;
      inner.opens = row.opens;
      return;
    }
    this.moveTo({ value: 'open', openedAt, until, opens: row.opens });
    this.emitter.emit('break', { reason: 'peer', delayMs: Math.max(0, until - Date.now()) });
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
