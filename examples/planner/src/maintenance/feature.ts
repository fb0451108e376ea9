import { defineFeature } from 'keel';
import type { Backups } from 'keel/backup';
import { defineJob } from 'keel/jobs';
import { defineSchedule } from 'keel/schedule';
import { z } from 'zod';
import type { PlannerApp } from '../database.js';

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

/** Maintenance: a backup daily at 03:00 in the configured time zone. */
export const maintenance = defineFeature({
  name: 'maintenance',
  setup: (app: PlannerApp) => {
    const backup = backupJob(app.backups);
    return {
      jobs: [backup],
      schedules: [
        defineSchedule({
          name: 'nightly-backup',
          cron: '0 3 * * *',
          timezone: app.config.TZ,
          job: backup,
          payload: {},
        }),
      ],
    };
  },
});
