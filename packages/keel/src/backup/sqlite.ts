import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { BackupCorruptError, BackupFailedError } from './errors.js';
import type { ProgressListener } from './progress.js';

/** Options of {@link backupSqlite}. */
export interface SqliteBackupOptions {
  /** Pages copied per step before yielding to the event loop. */
  pagesPerStep: number;
  /** How long to wait for a writer's lock when pinning the snapshot (ms). */
  busyTimeoutMs: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * Copies a live SQLite database to `destination` with the online backup API, `pagesPerStep` pages at
 * a time, yielding to the event loop between steps. A read transaction held on a dedicated connection
 * pins one WAL snapshot, so writers in other connections neither restart the copy nor tear it.
 */
export async function backupSqlite(source: string, destination: string, options: SqliteBackupOptions): Promise<void> {
  let db: Database.Database;
  try {
    db = new Database(source, { fileMustExist: true, timeout: options.busyTimeoutMs });
  } catch (error) {
    throw new BackupFailedError(`Cannot open the SQLite database ${source}: ${message(error)}`, { cause: error });
  }
  try {
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    await db.backup(destination, {
      progress: ({ totalPages, remainingPages }) => {
        if (options.signal?.aborted) throw new BackupFailedError('The backup was aborted');
        options.onProgress?.({ unit: 'pages', done: totalPages - remainingPages, total: totalPages });
        return options.pagesPerStep;
      },
    });
    const { page_count: pages } = db.prepare('PRAGMA page_count').get() as { page_count: number };
    options.onProgress?.({ unit: 'pages', done: pages, total: pages });
  } catch (error) {
    await rm(destination, { force: true });
    if (error instanceof BackupFailedError) throw error;
    throw new BackupFailedError(`The SQLite backup of ${source} failed: ${message(error)}`, { cause: error });
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
  // The copy carries the source's WAL flag; a rollback journal makes it one self-contained file.
  const copy = new Database(destination, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** `PRAGMA integrity_check` on a file opened read-only; throws {@link BackupCorruptError} with the problems. */
export function checkSqliteIntegrity(path: string, label = path): void {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupCorruptError(`${label}: cannot be opened as a SQLite database`, { cause: error });
  }
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    if (problems.length > 0) {
      throw new BackupCorruptError(`${label}: integrity_check failed: ${problems.slice(0, 3).join('; ')}`);
    }
  } catch (error) {
    if (error instanceof BackupCorruptError) throw error;
    throw new BackupCorruptError(`${label}: integrity_check failed: ${message(error)}`, { cause: error });
  } finally {
    db.close();
  }
}

// Keel's own migration bookkeeping does not make a database "hold data".
const BOOKKEEPING = new Set(['keel_migration', 'keel_migration_lock']);

/** True when the SQLite file exists and a table other than Keel's migration bookkeeping holds a row. */
export async function sqliteHoldsData(path: string): Promise<boolean> {
  if (!existsSync(path) || (await stat(path)).size === 0) return false;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as { name: string }[];
    return tables.some(
      ({ name }) =>
        !BOOKKEEPING.has(name) &&
        db.prepare(`SELECT 1 FROM "${name.replaceAll('"', '""')}" LIMIT 1`).get() !== undefined,
    );
  } finally {
    db.close();
  }
}

/** True when another connection (this process or another) has the SQLite file open. */
export function sqliteInUse(path: string): boolean {
  if (!existsSync(path)) return false;
  const db = new Database(path, { fileMustExist: true, timeout: 0 });
  try {
    // Exclusive locking mode before the first access: any other open connection makes this busy.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
    throw error;
  } finally {
    db.close();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
