import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { isBookkeepingTable } from '../store/index.js';
import { BackupCorruptError, BackupFailedError } from './errors.js';
import type { ProgressListener } from './progress.js';
import type { CopyMessage, CopyRequest } from './sqlite-copy-worker.js';

/** Options of {@link backupSqlite}. */
export interface SqliteBackupOptions {
  /** Pages copied per step before the copy checks for an abort and reports progress. */
  pagesPerStep: number;
  /** How long to wait for a writer's lock when pinning the snapshot (ms). */
  busyTimeoutMs: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** What {@link backupSqlite} wrote: the copy's sha256 (hex) and size in bytes. */
export interface SqliteBackupResult {
  sha256: string;
  size: number;
}

const workerFile = new URL(`./sqlite-copy-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

// Under the test runner this module is TypeScript: the worker loads its .ts source through tsx.
function startCopyWorker(request: CopyRequest): Worker {
  if (!workerFile.pathname.endsWith('.ts')) return new Worker(workerFile, { workerData: request });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(workerFile.href)}); })`;
  return new Worker(boot, { eval: true, workerData: request });
}

/**
 * Copies a live SQLite database to `destination` with the online backup API, `pagesPerStep` pages at
 * a time, in a worker thread with its own connection: the steps, the final commit and fsync, the
 * journal switch and the digest of a large copy never block the caller's event loop. A read
 * transaction held on that connection pins one WAL snapshot, so writers in other connections neither
 * restart the copy nor tear it.
 */
export async function backupSqlite(
  source: string,
  destination: string,
  options: SqliteBackupOptions,
): Promise<SqliteBackupResult> {
  if (options.signal?.aborted) throw new BackupFailedError('The backup was aborted');
  const abort = new SharedArrayBuffer(4);
  const request: CopyRequest = {
    source,
    destination,
    pagesPerStep: options.pagesPerStep,
    busyTimeoutMs: options.busyTimeoutMs,
    abort,
  };
  const onAbort = (): void => {
    const flag = new Int32Array(abort);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const done = await runCopyWorker(request, options.onProgress);
    options.onProgress?.({ unit: 'pages', done: done.pages, total: done.pages });
    return { sha256: done.sha256, size: done.size };
  } catch (error) {
    await rm(destination, { force: true });
    if (error instanceof BackupFailedError) throw error;
    throw new BackupFailedError(`The SQLite backup of ${source} failed: ${message(error)}`, { cause: error });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function runCopyWorker(
  request: CopyRequest,
  onProgress: ProgressListener | undefined,
): Promise<Extract<CopyMessage, { kind: 'done' }>> {
  return new Promise((resolve, reject) => {
    const worker = startCopyWorker(request);
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on('message', (reply: CopyMessage) => {
      if (reply.kind === 'progress') {
        onProgress?.({ unit: 'pages', done: reply.done, total: reply.total });
      } else if (reply.kind === 'done') {
        settle(() => resolve(reply));
      } else {
        const text = reply.aborted
          ? 'The backup was aborted'
          : reply.stage === 'open'
            ? `Cannot open the SQLite database ${request.source}: ${reply.message}`
            : `The SQLite backup of ${request.source} failed: ${reply.message}`;
        settle(() => reject(new BackupFailedError(text)));
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) =>
      settle(() => reject(new BackupFailedError(`The SQLite backup worker exited with code ${code}`))),
    );
  });
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

/**
 * True when the SQLite file exists and a table other than Keel's bookkeeping (migration records and
 * locks, jobs, schedules and their runs: `isBookkeepingTable`) holds a row.
 */
export async function sqliteHoldsData(path: string): Promise<boolean> {
  if (!existsSync(path) || (await stat(path)).size === 0) return false;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as { name: string }[];
    return tables.some(
      ({ name }) =>
        !isBookkeepingTable(name) &&
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
