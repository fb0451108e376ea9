import { join } from 'node:path';
import { z } from 'zod';
import { intVar } from '../config/index.js';
import type { BackupsOptions } from './options.js';

/**
 * The variables backups read, to extend a service's config schema with (the CLI reads these too).
 *
 * @example
 * ```ts
 * const config = loadConfig(baseConfigSchema.extend(backupConfigSchema.shape));
 * const backups = createBackups({ store, ...backupsOptionsFromConfig(config) });
 * ```
 */
export const backupConfigSchema = z.object({
  /** Folder of the backup files and their manifest. Default: `<DATA_DIR>/backups` (`./backups` without `DATA_DIR`). */
  BACKUP_DIR: z.string().min(1).optional(),
  /** How often backups are expected (readiness degrades past twice this). Default: 86400000 ms. */
  BACKUP_INTERVAL_MS: intVar(86_400_000, 1),
  /** Newest backups kept. Default: 7. */
  BACKUP_KEEP_LAST: intVar(7),
  /** Days with one backup kept. Default: 7. */
  BACKUP_KEEP_DAILY: intVar(7),
  /** Weeks with one backup kept. Default: 4. */
  BACKUP_KEEP_WEEKLY: intVar(4),
  /** Months with one backup kept. Default: 6. */
  BACKUP_KEEP_MONTHLY: intVar(6),
  /** SQLite pages copied per step before yielding. Default: 256. */
  BACKUP_PAGES_PER_STEP: intVar(256, 1, 0x7fffffff),
  /** The `pg_dump` program. Default: `pg_dump`. */
  PG_DUMP_PATH: z.string().min(1).default('pg_dump'),
  /** The `pg_restore` program. Default: `pg_restore`. */
  PG_RESTORE_PATH: z.string().min(1).default('pg_restore'),
});

/**
 * The parsed {@link backupConfigSchema}.
 *
 * @example
 * ```ts
 * const config: BackupConfig = loadConfig(backupConfigSchema);
 * ```
 */
export type BackupConfig = z.output<typeof backupConfigSchema>;

/**
 * {@link BackupsOptions} from parsed config (everything but the database, which comes from the store
 * or `connection`).
 *
 * @example
 * ```ts
 * createBackups({ store, ...backupsOptionsFromConfig(config) });
 * ```
 */
export function backupsOptionsFromConfig(config: BackupConfig & { DATA_DIR?: string }): BackupsOptions {
  return {
    backupDir: config.BACKUP_DIR ?? (config.DATA_DIR === undefined ? './backups' : join(config.DATA_DIR, 'backups')),
    intervalMs: config.BACKUP_INTERVAL_MS,
    pagesPerStep: config.BACKUP_PAGES_PER_STEP,
    pgDumpPath: config.PG_DUMP_PATH,
    pgRestorePath: config.PG_RESTORE_PATH,
    retention: {
      keepLast: config.BACKUP_KEEP_LAST,
      keepDaily: config.BACKUP_KEEP_DAILY,
      keepWeekly: config.BACKUP_KEEP_WEEKLY,
      keepMonthly: config.BACKUP_KEEP_MONTHLY,
    },
  };
}
