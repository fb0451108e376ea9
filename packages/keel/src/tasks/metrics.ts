import type { Counter, MetricsRegistry } from '../metrics/index.js';

/** The tasks' Prometheus metrics. */
export interface TaskMetrics {
  created: Counter<'type'>;
  /** Attempts that ended, by how: succeeded, failed, cancelled, timeout, retried, requeued, lost. */
  ended: Counter<'type' | 'outcome'>;
  progressWrites: Counter<'type'>;
}

/** Gets or creates the tasks' metrics. */
export function createTaskMetrics(metrics: MetricsRegistry): TaskMetrics {
  return {
    created: metrics.counter({ name: 'keel_tasks_created_total', help: 'Tasks created', labelNames: ['type'] }),
    ended: metrics.counter({
      name: 'keel_tasks_attempts_ended_total',
      help: 'Task attempts that ended, by outcome (succeeded, failed, cancelled, timeout, retried, requeued, lost)',
      labelNames: ['type', 'outcome'],
    }),
    progressWrites: metrics.counter({
      name: 'keel_tasks_progress_writes_total',
      help: 'Coalesced progress and checkpoint writes',
      labelNames: ['type'],
    }),
  };
}
