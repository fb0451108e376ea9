// A worker thread: the SQLite backup copy, its journal switch and its digest, on the worker's own
// connection, so neither a step nor the final commit and fsync of a large copy blocks the service.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** What the parent gives the worker. */
export interface CopyRequest {
  source: string;
  destination: string;
  pagesPerStep: number;
  busyTimeoutMs: number;
  /** One Int32 the parent sets to 1 to abort the copy. */
  abort: SharedArrayBuffer;
}

/** What the worker posts back, in order: progress steps, then `done` or `error`. */
export type CopyMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; pages: number; sha256: string; size: number }
  | { kind: 'error'; stage: 'open' | 'copy'; message: string; aborted: boolean };

const request = workerData as CopyRequest;
const abortFlag = new Int32Array(request.abort);
const aborted = (): boolean => Atomics.load(abortFlag, 0) === 1;
const post = (message: CopyMessage): void => parentPort!.postMessage(message);
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// The copy uses at most a third of a core: after each step it rests in proportion to the step's
// time, so on a small machine the service's own threads keep the CPU they need.
const CPU_SHARE = 0.33;
let busySince = performance.now();
function rest(): void {
  const worked = performance.now() - busySince;
  const pause = (worked * (1 - CPU_SHARE)) / CPU_SHARE;
  // Sleeps on the abort flag, so an abort (set and notified by the parent) wakes it at once.
  if (pause >= 1) Atomics.wait(abortFlag, 0, 0, pause);
  busySince = performance.now();
}

function digest(path: string): { sha256: string; size: number } {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  let size = 0;
  try {
    for (;;) {
      if (aborted()) throw new Error('The backup was aborted');
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      size += read;
      rest();
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

async function copy(): Promise<CopyMessage> {
  let db: Database.Database;
  try {
    db = new Database(request.source, { fileMustExist: true, timeout: request.busyTimeoutMs });
  } catch (error) {
    return { kind: 'error', stage: 'open', message: reason(error), aborted: false };
  }
  try {
    // A read transaction on this connection pins one WAL snapshot for the whole copy.
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    await db.backup(request.destination, {
      progress: ({ totalPages, remainingPages }) => {
        if (aborted()) throw new Error('The backup was aborted');
        post({ kind: 'progress', done: totalPages - remainingPages, total: totalPages });
        rest();
        return request.pagesPerStep;
      },
    });
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.exec('COMMIT');
    // The copy carries the source's WAL flag; a rollback journal makes it one self-contained file.
    const copied = new Database(request.destination, { fileMustExist: true });
    try {
      copied.pragma('journal_mode = DELETE');
    } finally {
      copied.close();
    }
    return { kind: 'done', pages, ...digest(request.destination) };
  } catch (error) {
    return { kind: 'error', stage: 'copy', message: reason(error), aborted: aborted() };
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}

post(await copy());
