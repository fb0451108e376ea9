import type { Counter, Histogram, MetricsRegistry } from '../metrics/index.js';
import type { SqlTarget } from './sql/db.js';
import { waitingByQueue } from './sql/job-stats.js';

/** The queue's Prometheus metrics. */
export interface JobMetrics {
  enqueued: Counter<'queue' | 'type'>;
  completed: Counter<'queue' | 'type'>;
  failed: Counter<'queue' | 'type'>;
  retried: Counter<'queue' | 'type'>;
  postponed: Counter<'queue' | 'type'>;
  duration: Histogram<'queue' | 'type' | 'outcome'>;
  wait: Histogram<'queue' | 'type'>;
  /** The metrics one job type of one queue observes per job, bound to its labels once. */
  of(queue: string, type: string): TypeMetrics;
}

/** Per-job metrics of one queue and type (labels checked once, not per job). */
export interface TypeMetrics {
  wait: { observe(seconds: number): void };
  completedIn: { observe(seconds: number): void };
  completed: { inc(count: number): void };
}

const SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800];

/** Gets or creates the queue's metrics; the waiting gauge reads the database on each scrape. */
export function createJobMetrics(metrics: MetricsRegistry, target: () => SqlTarget | undefined): JobMetrics {
  const labelNames = ['queue', 'type'] as const;
  metrics.gauge({
    name: 'keel_jobs_waiting',
    help: 'Jobs due and waiting for a worker, per queue',
    labelNames: ['queue'],
    async collect() {
      const at = target();
      if (!at) return;
      try {
        const rows = await waitingByQueue(at, Date.now());
        this.reset();
        for (const row of rows) this.set({ queue: row.queue }, row.count);
      } catch {
        // A scrape while the database is away keeps the last values rather than failing the scrape.
      }
    },
  });
  const bound = new Map<string, TypeMetrics>();
  const jobMetrics: JobMetrics = {
    of(queue, type) {
      const key = `${queue}\n${type}`;
      let found = bound.get(key);
      if (!found) {
        found = {
          wait: jobMetrics.wait.labels({ queue, type }),
          completedIn: jobMetrics.duration.labels({ queue, type, outcome: 'completed' }),
          completed: jobMetrics.completed.labels({ queue, type }),
        };
        bound.set(key, found);
      }
      return found;
    },
    enqueued: metrics.counter({ name: 'keel_jobs_enqueued_total', help: 'Jobs enqueued', labelNames }),
    completed: metrics.counter({ name: 'keel_jobs_completed_total', help: 'Jobs completed', labelNames }),
    failed: metrics.counter({
      name: 'keel_jobs_failed_total',
      help: 'Jobs failed for good (no attempt left, or a permanent error)',
      labelNames,
    }),
    retried: metrics.counter({
      name: 'keel_jobs_retried_total',
      help: 'Failed attempts scheduled to run again',
      labelNames,
    }),
    postponed: metrics.counter({
      name: 'keel_jobs_postponed_total',
      help: 'Attempts cut short by a store outage, scheduled to run again without using an attempt',
      labelNames,
    }),
    duration: metrics.histogram({
      name: 'keel_jobs_run_duration_seconds',
      help: 'Duration of job attempts, by outcome (completed, failed, postponed)',
      labelNames: ['queue', 'type', 'outcome'],
      buckets: SECONDS,
    }),
    wait: metrics.histogram({
      name: 'keel_jobs_wait_seconds',
      help: 'Time from a job being due to an attempt starting',
      labelNames,
      buckets: SECONDS,
    }),
  };
  return jobMetrics;
}
