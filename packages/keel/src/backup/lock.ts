import { open, readFile, rm, stat } from 'node:fs/promises';
import { TimeoutError } from '../errors/index.js';

/** How {@link withFileLock} waits. */
export interface FileLockOptions {
  /** Give up after this long (ms). Default: 10000. */
  timeoutMs?: number;
  /** A lock older than this whose owner is gone is taken over (ms). Default: 60000. */
  staleMs?: number;
}

/** Runs `work` while holding an exclusive lock file, shared by every process using the same path. */
export async function withFileLock<T>(path: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(path, options.staleMs ?? 60_000)) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new TimeoutError(`Timed out waiting for the lock ${path}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}

// Stale: its process is gone, or it is older than staleMs (a hung owner must not block backups forever).
async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const [info, owner] = await Promise.all([stat(path), readFile(path, 'utf8')]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const pid = Number(owner);
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1000;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    return false;
  }
}
