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
export { type BackupEntry, backupEntrySchema, MANIFEST_FILE } from './manifest.js';
export { backupExtensions, backupFileName, type ParsedBackupName, parseBackupFileName } from './names.js';
export { LAST_SUCCESS_METRIC } from './observability.js';
export type { BackupsOptions, ResolvedBackupsOptions } from './options.js';
export { type PgTool, parseToolMajor, toolVersionProblem } from './pg-tools.js';
export type { BackupProgress, ProgressListener } from './progress.js';
export {
  applyRetention,
  defaultRetention,
  type RetentionDecision,
  type RetentionPolicy,
  resolveRetention,
} from './retention.js';
export {
  type BackupAdminRoutesOptions,
  type BackupAdminTarget,
  type BackupRouteGuard,
  backupAdminRoutes,
} from './routes.js';
export type { BackupStore, DatabaseLocation } from './source.js';
