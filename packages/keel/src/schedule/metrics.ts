import type { Counter, Histogram, MetricsRegistry } from '../metrics/index.js';

/** The scheduler's Prometheus metrics. */
export interface ScheduleMetrics {
  /** `keel_schedule_runs_total`: runs by schedule and outcome (see {@link runOutcomes}). */
  runs: Counter<'schedule' | 'outcome'>;
  /** `keel_schedule_lag_seconds`: seconds from a run's planned tick to its job starting. */
  lag: Histogram<'schedule'>;
}

/**
 * The outcomes `keel_schedule_runs_total` counts: a run's job completed, failed or was cancelled; a
 * tick was skipped (its previous run unfinished, `overlap: 'skip'`) or missed (dropped by the
 * missed-tick policy).
 */
export const runOutcomes = ['completed', 'failed', 'cancelled', 'skipped', 'missed'] as const;

const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600];

/**
 * Gets or creates the scheduler's metrics, with every outcome of every schedule at 0, so a rate or
 * an `increase()` over the counter works from the first run (a series born at 1 reads as no change).
 */
export function createScheduleMetrics(metrics: MetricsRegistry, schedules: readonly string[]): ScheduleMetrics {
  const runs = metrics.counter({
    name: 'keel_schedule_runs_total',
    help: 'Scheduled runs by schedule and outcome (completed, failed, cancelled, skipped, missed)',
    labelNames: ['schedule', 'outcome'],
  });
  for (const schedule of schedules) for (const outcome of runOutcomes) runs.inc({ schedule, outcome }, 0);
  return {
    runs,
    lag: metrics.histogram({
      name: 'keel_schedule_lag_seconds',
      help: "Time from a run's planned tick to its job starting",
      labelNames: ['schedule'],
      buckets: SECONDS,
    }),
  };
}
