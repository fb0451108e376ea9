import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { isKeelError } from '../errors/index.js';
import { BackupFailedError } from './errors.js';
import { fsyncDir, publish, temporaryPathFor } from './files.js';
import type { ProgressListener } from './progress.js';
import { checkSqliteIntegrity } from './sqlite.js';

/** Options of {@link restoreSqlite}. */
export interface SqliteRestoreOptions {
  /** The target is open elsewhere and the caller forced the restore: skip the orderly checkpoint. */
  targetInUse: boolean;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * Copies a verified backup to a new file beside `target`, checks it, then renames it over `target`:
 * readers see the old database or the new one, never a mix.
 */
export async function restoreSqlite(backupPath: string, target: string, options: SqliteRestoreOptions): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const incoming = temporaryPathFor(target);
  try {
    await copyWithProgress(backupPath, incoming, options);
    checkSqliteIntegrity(incoming, 'the restored copy');
    await retireOldDatabase(target, options.targetInUse);
    await publish(incoming, target);
  } catch (error) {
    await rm(incoming, { force: true });
    if (isKeelError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new BackupFailedError(`Restoring into ${target} failed: ${reason}`, { cause: error });
  }
}

async function copyWithProgress(from: string, to: string, options: SqliteRestoreOptions): Promise<void> {
  const total = (await stat(from)).size;
  let done = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      options.onProgress?.({ unit: 'bytes', done, total });
      callback(null, chunk);
    },
  });
  await pipeline(createReadStream(from), counter, createWriteStream(to, { flags: 'wx' }), {
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

// A WAL left beside the new file would be replayed onto it: fold it into the old file first, then drop it.
async function retireOldDatabase(target: string, inUse: boolean): Promise<void> {
  if (existsSync(target) && !inUse) {
    const old = new Database(target, { fileMustExist: true });
    try {
      old.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      old.close();
    }
  }
  for (const suffix of ['-wal', '-shm', '-journal']) await rm(`${target}${suffix}`, { force: true });
  await fsyncDir(dirname(target));
}
