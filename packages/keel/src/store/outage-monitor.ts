import type { Logger } from 'pino';
import type { Counter, MetricsRegistry } from '../metrics/index.js';
import type { StoreOutage, StoreOutageReason } from './outage-errors.js';

/** A success this long after the last failure ends a burst (in-flight work may still fail just after). */
const QUIET_MS = 1000;
/** A burst still going is logged again this often, so a long outage is never silent. */
const REPEAT_MS = 30_000;

interface Burst {
  startedAt: number;
  lastFailureAt: number;
  lastLoggedAt: number;
  failures: number;
  reasons: Set<StoreOutageReason>;
}

/**
 * Counts every outage error in `keel_store_unavailable_total` and logs them at warn once per burst
 * (plus a reminder while it lasts), and at info once the store answers again.
 */
export class OutageMonitor {
  private logger: Logger | undefined;
  private counter: Counter<'store' | 'reason'> | undefined;
  private burst: Burst | undefined;

  constructor(private readonly store: string) {}

  /** Starts logging and counting (the store's start gives the service's logger and metrics). */
  attach(logger: Logger, metrics: MetricsRegistry): void {
    this.logger = logger;
    this.counter = metrics.counter({
      name: 'keel_store_unavailable_total',
      help: 'Store operations failed by an outage (database down, restarting, locked or past its timeout), by reason',
      labelNames: ['store', 'reason'],
    });
  }

  failed(outage: StoreOutage, error: unknown): void {
    this.counter?.inc({ store: this.store, reason: outage.reason });
    const now = Date.now();
    const burst = this.burst;
    if (!burst) {
      this.burst = {
        startedAt: now,
        lastFailureAt: now,
        lastLoggedAt: now,
        failures: 1,
        reasons: new Set([outage.reason]),
      };
      this.logger?.warn(
        { err: error, reason: outage.reason },
        'store unavailable; failing operations until it answers',
      );
      return;
    }
    burst.failures += 1;
    burst.lastFailureAt = now;
    burst.reasons.add(outage.reason);
    if (now - burst.lastLoggedAt < REPEAT_MS) return;
    burst.lastLoggedAt = now;
    this.logger?.warn(
      { err: error, reasons: [...burst.reasons], failures: burst.failures, sinceMs: now - burst.startedAt },
      'store still unavailable',
    );
  }

  // Called after every successful operation: one comparison unless a burst is going on.
  succeeded(): void {
    const burst = this.burst;
    if (!burst) return;
    const now = Date.now();
    if (now - burst.lastFailureAt < QUIET_MS) return;
    this.burst = undefined;
    this.logger?.info(
      { reasons: [...burst.reasons], failures: burst.failures, durationMs: burst.lastFailureAt - burst.startedAt },
      'store available again',
    );
  }
}
