import { defineJob } from 'keel/jobs';
import { defineSchedule } from 'keel/schedule';
import type { Store } from 'keel/store';
import { z } from 'zod';
import type { PlannerDatabase } from '../database.js';
import { NotificationRepository } from './repository.js';

/** Deletes read notifications older than the retention period. */
export function cleanupJob(store: Store<PlannerDatabase>, retentionDays: number) {
  const { inbox } = new NotificationRepository(store);
  return defineJob({
    name: 'planner.cleanup-notifications',
    queue: 'maintenance',
    payload: z.object({}),
    handler: async () => {
      const before = new Date(Date.now() - retentionDays * 86_400_000);
      return { deleted: await inbox.deleteReadBefore(before) };
    },
  });
}

/** The cleanup, daily at 04:00 in `timezone`. */
export function cleanupSchedule(job: ReturnType<typeof cleanupJob>, timezone: string) {
  return defineSchedule({ name: 'cleanup-read-notifications', cron: '0 4 * * *', timezone, job, payload: {} });
}
