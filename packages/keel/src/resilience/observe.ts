import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import type { MetricsRegistry } from '../metrics/index.js';
import type { BulkheadPolicy } from './bulkhead.js';
import type { CircuitBreakerPolicy, CircuitStateName } from './circuit-breaker.js';
import type { ResilienceEvent, ResilienceEventKind } from './policy.js';

const STATES: readonly CircuitStateName[] = ['closed', 'open', 'half-open', 'isolated'];

// What a gauge's collect reads: the breakers and bulkheads of every registry sharing a MetricsRegistry.
const breakersOf = new WeakMap<object, Set<CircuitBreakerPolicy>>();
const bulkheadsOf = new WeakMap<object, Set<BulkheadPolicy>>();

/** The service's resilience metrics, shared by every registry on one MetricsRegistry. Internal. */
export class ResilienceMetrics {
  private readonly events;
  private readonly waits;
  private readonly states: Gauge<'policy' | 'state'>;
  private readonly running: Gauge<'policy'>;
  private readonly queued: Gauge<'policy'>;

  constructor(metrics: MetricsRegistry) {
    this.events = metrics.counter({
      name: 'keel_resilience_events_total',
      help: 'Resilience policy events: retries, give-ups, breaks, half-opens, resets, rejections, timeouts',
      labelNames: ['policy', 'type', 'event'],
    });
    this.waits = metrics.histogram({
      name: 'keel_resilience_wait_seconds',
      help: 'Waits before a retry or for a rate limit turn',
      labelNames: ['policy', 'type'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.states = metrics.gauge({
      name: 'keel_resilience_circuit_state',
      help: 'Circuit breaker state: 1 for the current state of each breaker, 0 for the others',
      labelNames: ['policy', 'state'],
      collect(this: Gauge<'policy' | 'state'>) {
        this.reset();
        for (const breaker of breakersOf.get(this) ?? []) {
          const now = breaker.state;
          for (const state of STATES) this.set({ policy: breaker.name, state }, state === now ? 1 : 0);
        }
      },
    });
    this.running = metrics.gauge({
      name: 'keel_resilience_bulkhead_running',
      help: 'Calls running in a bulkhead',
      labelNames: ['policy'],
      collect(this: Gauge<'policy'>) {
        this.reset();
        for (const slots of bulkheadsOf.get(this) ?? []) this.set({ policy: slots.name }, slots.running);
      },
    });
    this.queued = metrics.gauge({
      name: 'keel_resilience_bulkhead_queued',
      help: 'Calls waiting for a slot of a bulkhead',
      labelNames: ['policy'],
      collect(this: Gauge<'policy'>) {
        this.reset();
        for (const slots of bulkheadsOf.get(this) ?? []) this.set({ policy: slots.name }, slots.queued);
      },
    });
  }

  watchBreaker(breaker: CircuitBreakerPolicy): void {
    setOf(breakersOf, this.states).add(breaker);
  }

  watchBulkhead(slots: BulkheadPolicy): void {
    setOf(bulkheadsOf, this.running).add(slots);
    setOf(bulkheadsOf, this.queued).add(slots);
  }

  record(event: ResilienceEvent): void {
    this.events.inc({ policy: event.policy, type: event.type, event: event.kind });
    if ((event.kind === 'retry' || event.kind === 'rate_limit_wait') && event.delayMs !== undefined)
      this.waits.observe({ policy: event.policy, type: event.type }, event.delayMs / 1000);
  }
}

function setOf<T>(map: WeakMap<object, Set<T>>, key: object): Set<T> {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

// How loud each event is: what an operator must see at warn, the routine at info or debug.
const LEVELS: Record<ResilienceEventKind, 'debug' | 'info' | 'warn'> = {
  retry: 'info',
  give_up: 'warn',
  break: 'warn',
  half_open: 'info',
  reset: 'info',
  isolate: 'warn',
  circuit_reject: 'debug',
  bulkhead_reject: 'warn',
  timeout: 'warn',
  fallback: 'info',
  rate_limit_wait: 'debug',
  rate_limit_reject: 'warn',
  sync_error: 'warn',
};

const MESSAGES: Record<ResilienceEventKind, string> = {
  retry: 'retrying after a failure',
  give_up: 'giving up retrying',
  break: 'circuit opened',
  half_open: 'circuit half-open: probing',
  reset: 'circuit closed',
  isolate: 'circuit isolated by hand',
  circuit_reject: 'call refused: circuit open',
  bulkhead_reject: 'call refused: bulkhead full',
  timeout: 'call timed out',
  fallback: 'answered by the fallback',
  rate_limit_wait: 'waiting for a rate limit turn',
  rate_limit_reject: 'call refused: rate limit',
  sync_error: 'shared circuit state unreachable: deciding alone',
};

/** Logs one event at its level. Internal. */
export function logEvent(logger: Logger, event: ResilienceEvent): void {
  const level = LEVELS[event.kind];
  if (!logger.isLevelEnabled(level)) return;
  const { kind, policy, type, error, ...rest } = event;
  logger[level](
    { policy, policyType: type, event: kind, ...rest, ...(error === undefined ? {} : { err: error }) },
    MESSAGES[kind],
  );
}
