import type { Backups } from 'keel/backup';
import { defineJob } from 'keel/jobs';
import { defineSchedule } from 'keel/schedule';
import type { Store } from 'keel/store';
import { z } from 'zod';
import type { PlannerDatabase } from '../db/schema.js';
import { notificationRepository } from '../notifications/repository.js';

/** The nightly backup, then pruning by the retention policy. */
export function backupJob(backups: Backups) {
  return defineJob({
    name: 'planner.backup',
    queue: 'maintenance',
    maxAttempts: 3,
    timeoutMs: 6 * 3600_000,
    payload: z.object({}),
    handler: async (_payload, ctx) => {
      const created = await backups.create({ signal: ctx.signal });
      const pruned = await backups.prune();
      return { file: created.file, bytes: created.size, pruned: pruned.deleted.map((entry) => entry.file) };
    },
  });
}

/** Deletes read notifications older than the retention period. */
export function cleanupJob(store: Store<PlannerDatabase>, retentionDays: number) {
  return defineJob({
    name: 'planner.cleanup-notifications',
    queue: 'maintenance',
    payload: z.object({}),
    handler: async () => {
      const before = new Date(Date.now() - retentionDays * 86_400_000).toISOString();
      return { deleted: await notificationRepository.deleteReadBefore(store.db, before) };
    },
  });
}

/** The planner's schedules: backup daily at 03:00 in `timezone`, notification cleanup daily at 04:00. */
export function maintenanceSchedules(
  timezone: string,
  backup: ReturnType<typeof backupJob>,
  cleanup: ReturnType<typeof cleanupJob>,
) {
  return [
    defineSchedule({ name: 'nightly-backup', cron: '0 3 * * *', timezone, job: backup, payload: {} }),
    defineSchedule({ name: 'cleanup-read-notifications', cron: '0 4 * * *', timezone, job: cleanup, payload: {} }),
  ];
}
