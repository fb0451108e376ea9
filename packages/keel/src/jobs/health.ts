import type { HealthCheck } from '../health/index.js';
import type { SqlTarget } from './sql/db.js';
import { waitingByQueue } from './sql/job-stats.js';

/** A non-critical readiness check: degraded when a due job has waited longer than `maxWaitMs`. */
export function jobsReadinessCheck(name: string, target: () => SqlTarget, maxWaitMs: number): HealthCheck {
  return {
    name,
    critical: false,
    check: async () => {
      const now = Date.now();
      const rows = await waitingByQueue(target(), now);
      const waiting = Object.fromEntries(
        rows.map((r) => [r.queue, { count: r.count, oldestWaitMs: now - r.oldestRunAt }]),
      );
      const late = rows.filter((r) => now - r.oldestRunAt > maxWaitMs);
      if (late.length > 0) {
        const list = late.map((r) => `${r.queue} (${Math.round((now - r.oldestRunAt) / 1000)} s)`).join(', ');
        throw new Error(`Jobs have waited longer than ${maxWaitMs} ms in: ${list}`);
      }
      return { waiting };
    },
  };
}
