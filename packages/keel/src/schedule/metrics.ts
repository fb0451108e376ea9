import type { Counter, Histogram, MetricsRegistry } from '../metrics/index.js';

/** The scheduler's Prometheus metrics. */
export interface ScheduleMetrics {
  /** Runs by schedule and outcome: completed, failed, cancelled, skipped (overlap), missed (dropped). */
  runs: Counter<'schedule' | 'outcome'>;
  /** Seconds from a run's planned tick to its job starting. */
  lag: Histogram<'schedule'>;
}

const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600];

/** Gets or creates the scheduler's metrics. */
export function createScheduleMetrics(metrics: MetricsRegistry): ScheduleMetrics {
  return {
    runs: metrics.counter({
      name: 'keel_schedule_runs_total',
      help: 'Scheduled runs by schedule and outcome (completed, failed, cancelled, skipped, missed)',
      labelNames: ['schedule', 'outcome'],
    }),
    lag: metrics.histogram({
      name: 'keel_schedule_lag_seconds',
      help: "Time from a run's planned tick to its job starting",
      labelNames: ['schedule'],
      buckets: SECONDS,
    }),
  };
}
