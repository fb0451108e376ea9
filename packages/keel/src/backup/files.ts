import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temporary name beside `finalPath`, hidden (dot-prefixed) so listings skip half-written files. */
export function temporaryPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Flushes a file's data to disk. */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries, so a rename inside it survives a crash. */
export async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}

/** Moves a complete, flushed file to its final name atomically. */
export async function publish(temporaryPath: string, finalPath: string): Promise<void> {
  await fsyncFile(temporaryPath);
  await rename(temporaryPath, finalPath);
  await fsyncDir(dirname(finalPath));
}

/** Writes `data` to `path` atomically: a temporary file, flushed, then renamed over `path`. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    await fsyncDir(dirname(path));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The sha256 (hex) and size in bytes of a file, read as a stream. */
export async function digestFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}
