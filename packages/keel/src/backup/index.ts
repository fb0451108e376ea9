/**
 * `keel/backup`: consistent online backups of the store's database (SQLite backup API, `pg_dump`),
 * a checksummed manifest, verification, retention, restore, admin routes, a metric and a readiness check.
 * @module
 */

export {
  Backups,
  type CreateBackupOptions,
  createBackups,
  type PruneOptions,
  type PruneResult,
  type RestoreOptions,
  type RestoreResult,
  type VerifyResult,
} from './backups.js';
export { type BackupConfig, backupConfigSchema, backupsOptionsFromConfig } from './config.js';
export { BackupCorruptError, BackupFailedError, BackupToolError } from './errors.js';
export { type BackupEntry, backupEntrySchema } from './manifest.js';
export type { BackupsOptions } from './options.js';
export type { BackupProgress, ProgressListener } from './progress.js';
export { defaultRetention, type RetentionPolicy } from './retention.js';
export { backupAdminRoutes } from './routes.js';
export type { DatabaseLocation } from './source.js';
