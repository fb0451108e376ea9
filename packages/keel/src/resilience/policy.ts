/**
 * What a policy hands the work it runs: the signal to stop on (a timeout's, or the caller's) and
 * the attempt number (0 for the first try, 1 for the first retry).
 *
 * @example
 * ```ts
 * await policy.execute(({ signal, attempt }) => fetchReport(id, { signal, note: `try ${attempt + 1}` }));
 * ```
 */
export type PolicyContext = { signal: AbortSignal; attempt: number };

/**
 * What the caller of {@link Policy.execute} may add: a signal that stops the policy's waits (and is
 * handed to the work), and a deadline (a `Date.now()` time in ms) no wait may pass.
 *
 * @example
 * ```ts
 * const options: ExecuteOptions = { signal: request.signal, deadlineAt: Date.now() + 5000 };
 * ```
 */
export interface ExecuteOptions {
  /** Stops the policy's waits (retry backoff, bulkhead queue, rate limit) and is passed to the work. */
  signal?: AbortSignal;
  /** A `Date.now()` deadline in ms: a wait that would pass it fails at once instead. */
  deadlineAt?: number;
}

/**
 * The work a policy runs.
 *
 * @example
 * ```ts
 * const work: Work<string> = ({ signal }) => readFile('report.txt', { encoding: 'utf8', signal });
 * ```
 */
export type Work<T> = (context: PolicyContext) => Promise<T> | T;

/**
 * One resilience policy (retry, circuit breaker, bulkhead, timeout, fallback, rate limit, or
 * several wrapped): runs work under its rules.
 *
 * @example
 * ```ts
 * const policy: Policy = wrap(retry(), circuitBreaker());
 * const user = await policy.execute(({ signal }) => api.getUser(7, { signal }));
 * ```
 */
export interface Policy {
  /** Runs `work` under the policy; rejects with the work's error or the policy's refusal. */
  execute<T>(work: Work<T>, options?: ExecuteOptions): Promise<T>;
}

/**
 * The kinds of {@link ResilienceEvent}: what a policy did.
 *
 * @example
 * ```ts
 * const kind: ResilienceEventKind = 'retry';
 * ```
 */
export type ResilienceEventKind =
  | 'retry'
  | 'give_up'
  | 'break'
  | 'half_open'
  | 'reset'
  | 'isolate'
  | 'circuit_reject'
  | 'bulkhead_reject'
  | 'timeout'
  | 'fallback'
  | 'rate_limit_wait'
  | 'rate_limit_reject'
  | 'sync_error';

/**
 * Something a policy did, as its listeners (a {@link ResilienceRegistry}'s metrics and logs) see it.
 *
 * @example
 * ```ts
 * policy.onEvent((event) => {
 *   if (event.kind === 'break') alert(`${event.policy} opened: ${String(event.error)}`);
 * });
 * ```
 */
export interface ResilienceEvent {
  /** What happened. */
  kind: ResilienceEventKind;
  /** The policy's name. */
  policy: string;
  /** The policy type: `retry`, `circuit_breaker`, `bulkhead`, `timeout`, `fallback`, `rate_limit`. */
  type: PolicyType;
  /** The retry number (1 for the first retry) of `retry`, the attempts made of `give_up`. */
  attempt?: number;
  /** The wait in ms: before a retry, a rate limit's wait, a breaker's break. */
  delayMs?: number;
  /** The error behind the event (the failure retried, given up on, or that opened the circuit). */
  error?: unknown;
  /**
   * Why, in words, where the kind alone does not say (e.g. `retry_after_over_cap`, `deadline`;
   * `peer` for a shared breaker's transition made by another instance).
   */
  reason?: string;
}

/**
 * The types of policy, as events and metrics name them.
 *
 * @example
 * ```ts
 * const type: PolicyType = 'circuit_breaker';
 * ```
 */
export type PolicyType = 'retry' | 'circuit_breaker' | 'bulkhead' | 'timeout' | 'fallback' | 'rate_limit';

/**
 * A listener of a policy's events. It must not throw (a throw is swallowed, never reaching the work).
 *
 * @example
 * ```ts
 * const listener: ResilienceListener = (event) => console.log(event.policy, event.kind);
 * ```
 */
export type ResilienceListener = (event: ResilienceEvent) => void;

/**
 * A policy with a name that reports its events: every policy `keel/resilience` makes.
 *
 * @example
 * ```ts
 * const breaker: ObservablePolicy = circuitBreaker({ name: 'llm' });
 * const stop = breaker.onEvent((event) => log.info(event));
 * ```
 */
export interface ObservablePolicy extends Policy {
  /** The name in events, metrics and the admin API. */
  readonly name: string;
  /** The policy type. */
  readonly type: PolicyType;
  /** Listens to the policy's events; returns the function that stops listening. */
  onEvent(listener: ResilienceListener): () => void;
}

/** The listeners of one policy. Internal. */
export class Emitter {
  private listeners: ResilienceListener[] = [];

  constructor(
    readonly policy: string,
    readonly type: PolicyType,
  ) {}

  get listening(): boolean {
    return this.listeners.length > 0;
  }

  on(listener: ResilienceListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((known) => known !== listener);
    };
  }

  emit(kind: ResilienceEventKind, details: Omit<ResilienceEvent, 'kind' | 'policy' | 'type'> = {}): void {
    for (const listener of this.listeners) {
      try {
        listener({ kind, policy: this.policy, type: this.type, ...details });
      } catch {
        // A listener's bug must never fail the work it observes.
      }
    }
  }
}

/** A signal that never fires, for work run without one. Internal. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
