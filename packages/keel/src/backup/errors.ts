import { KeelError, type KeelErrorOptions } from '../errors/index.js';

/**
 * A tool a backup needs (`pg_dump`, `pg_restore`) is missing or older than the server; the message
 * names the package to install.
 *
 * @example
 * ```ts
 * throw new BackupToolError('pg_dump', 'pg_dump was not found; install postgresql-client-16', 'postgresql-client-16');
 * ```
 */
export class BackupToolError extends KeelError {
  /** The tool, e.g. `pg_dump`. */
  readonly tool: string;
  /** The package that provides a suitable version, e.g. `postgresql-client-16`. */
  readonly install: string;
  constructor(tool: string, message: string, install: string, options: KeelErrorOptions = {}) {
    super('backup_tool_missing', message, { ...options, extensions: { ...options.extensions, tool, install } });
    this.tool = tool;
    this.install = install;
  }
}

/**
 * Taking, writing or restoring a backup failed (the database, the disk or a tool refused).
 *
 * @example
 * ```ts
 * throw new BackupFailedError('pg_dump exited with code 1: connection refused');
 * ```
 */
export class BackupFailedError extends KeelError {
  constructor(message: string, options?: KeelErrorOptions) {
    super('backup_failed', message, options);
  }
}

/**
 * A backup file does not match its manifest entry or does not pass its database's own check.
 *
 * @example
 * ```ts
 * throw new BackupCorruptError('keel_20250101_020000.db: sha256 does not match the manifest');
 * ```
 */
export class BackupCorruptError extends KeelError {
  constructor(message: string, options?: KeelErrorOptions) {
    super('backup_corrupt', message, options);
  }
}
