import type { SqlTarget } from './sql/db.js';
import { countByQueueAndState, waitingByQueue } from './sql/job-stats.js';
import { type JobState, jobStates } from './types.js';

/**
 * Per queue: jobs in each state, and how long the oldest due waiting job has waited.
 *
 * @example
 * ```ts
 * const { queues } = await jobs.stats();
 * const mail = queues.find((q) => q.queue === 'mail');
 * ```
 */
export interface JobStats {
  queues: {
    queue: string;
    counts: Record<JobState, number>;
    /** Age of the oldest due waiting job in ms, `null` when none is due. */
    oldestWaitingAgeMs: number | null;
  }[];
}

/** Reads the {@link JobStats}. */
export async function readStats(target: SqlTarget, now: number): Promise<JobStats> {
  const [counts, waiting] = await Promise.all([countByQueueAndState(target), waitingByQueue(target, now)]);
  const queues = new Map<string, JobStats['queues'][number]>();
  const entry = (queue: string) => {
    let found = queues.get(queue);
    if (!found) {
      found = {
        queue,
        counts: Object.fromEntries(jobStates.map((s) => [s, 0])) as Record<JobState, number>,
        oldestWaitingAgeMs: null,
      };
      queues.set(queue, found);
    }
    return found;
  };
  for (const row of counts) {
    if ((jobStates as readonly string[]).includes(row.state))
      entry(row.queue).counts[row.state as JobState] = row.count;
  }
  for (const row of waiting) entry(row.queue).oldestWaitingAgeMs = Math.max(0, now - row.oldestRunAt);
  return { queues: [...queues.values()].sort((a, b) => a.queue.localeCompare(b.queue)) };
}
