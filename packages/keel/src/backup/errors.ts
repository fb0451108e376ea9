import { defineErrorCode, KeelError, type KeelErrorOptions } from '../errors/index.js';

declare module '../errors/index.js' {
  interface ErrorCodes {
    /** Taking, writing or restoring a backup failed. */
    backup_failed: true;
    /** A backup does not match its manifest or fails its database's check. */
    backup_corrupt: true;
    /** `pg_dump` or `pg_restore` is missing or older than the server. */
    backup_tool_missing: true;
  }
}

/** The code of {@link BackupFailedError}. */
export const BACKUP_FAILED = defineErrorCode('backup_failed', { status: 500, title: 'Backup failed' });
/** The code of {@link BackupCorruptError}. */
export const BACKUP_CORRUPT = defineErrorCode('backup_corrupt', { status: 500, title: 'Backup failed verification' });
/** The code of {@link BackupToolError}. */
export const BACKUP_TOOL_MISSING = defineErrorCode('backup_tool_missing', {
  status: 500,
  title: 'A backup tool is missing or too old',
});

/**
 * A tool a backup needs (`pg_dump`, `pg_restore`) is missing or older than the server; the message
 * names the package to install. Code `backup_tool_missing` (500).
 *
 * @example
 * ```ts
 * try {
 *   await backups.create();
 * } catch (error) {
 *   if (error instanceof BackupToolError) logger.error(`install ${error.install}`);
 * }
 * ```
 */
export class BackupToolError extends KeelError {
  /** The tool, e.g. `pg_dump`. */
  readonly tool: string;
  /** The package that provides a suitable version, e.g. `postgresql-client-16`. */
  readonly install: string;
  constructor(tool: string, message: string, install: string, options: KeelErrorOptions = {}) {
    super(BACKUP_TOOL_MISSING, message, { ...options, extensions: { ...options.extensions, tool, install } });
    this.tool = tool;
    this.install = install;
  }
}

/**
 * Taking, writing or restoring a backup failed (the database, the disk or a tool refused). Code
 * `backup_failed` (500).
 *
 * @example
 * ```ts
 * await backups.create().catch((error) => {
 *   if (error instanceof BackupFailedError) logger.error(error.message); // e.g. 'pg_dump exited with code 1: ...'
 *   throw error;
 * });
 * ```
 */
export class BackupFailedError extends KeelError {
  constructor(message: string, options?: KeelErrorOptions) {
    super(BACKUP_FAILED, message, options);
  }
}

/**
 * A backup file does not match its manifest entry or does not pass its database's own check. Code
 * `backup_corrupt` (500).
 *
 * @example
 * ```ts
 * await backups.verify(file).catch((error) => {
 *   if (error instanceof BackupCorruptError) logger.error({ file }, error.message);
 *   throw error;
 * });
 * ```
 */
export class BackupCorruptError extends KeelError {
  constructor(message: string, options?: KeelErrorOptions) {
    super(BACKUP_CORRUPT, message, options);
  }
}
