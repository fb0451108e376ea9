import { createWriteStream, mkdirSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors/index.js';
import type { StoredArtifact } from './rows.js';
import type { TaskArtifact, TaskArtifactMeta } from './types.js';

/** Where a task's files live, relative to the data folder. */
export function taskFolder(taskId: string): string {
  return join('tasks', taskId);
}

/** The artifact file of one run (a run token names it, so an abandoned run never touches a newer one's file). */
export function runArtifactPath(taskId: string, runToken: string): string {
  return join(taskFolder(taskId), runToken, 'artifact');
}

/** Removes a task's files (every run's); missing files are fine. */
export async function removeTaskFiles(dataDir: string, taskId: string): Promise<void> {
  await rm(resolve(dataDir, taskFolder(taskId)), { recursive: true, force: true });
}

/** Removes one run's files. */
export async function removeRunFiles(dataDir: string, taskId: string, runToken: string): Promise<void> {
  await rm(resolve(dataDir, taskFolder(taskId), runToken), { recursive: true, force: true });
}

/** The essence of a media type (`text/csv; charset=utf-8` → `text/csv`). */
export function mediaTypeEssence(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/** The artifact a run is writing: its meta, once asked for. */
export class RunArtifact {
  private meta: TaskArtifactMeta | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly taskId: string,
    private readonly runToken: string,
    private readonly allowedTypes: readonly string[],
  ) {}

  /** The file for `meta`, its folder made. */
  open(meta: TaskArtifactMeta): TaskArtifact {
    checkMeta(meta, this.allowedTypes);
    this.meta = { filename: meta.filename, contentType: meta.contentType };
    const relative = runArtifactPath(this.taskId, this.runToken);
    const path = resolve(this.dataDir, relative);
    mkdirSync(dirname(path), { recursive: true });
    return { path, stream: (): Writable => createWriteStream(path) };
  }

  /** Writes the whole file from `body`. */
  async write(
    meta: TaskArtifactMeta,
    body: string | Uint8Array | Readable | AsyncIterable<string | Uint8Array>,
  ): Promise<{ size: number }> {
    const file = this.open(meta);
    const source = typeof body === 'string' || body instanceof Uint8Array ? Readable.from([body]) : Readable.from(body);
    await pipeline(source, file.stream());
    return { size: (await stat(file.path)).size };
  }

  /** What to store on the row once the run succeeded; `undefined` when no artifact was written. */
  async finish(): Promise<StoredArtifact | undefined> {
    if (!this.meta) return undefined;
    const relative = runArtifactPath(this.taskId, this.runToken);
    const size = (await stat(resolve(this.dataDir, relative))).size;
    return { ...this.meta, size, path: relative };
  }
}

function checkMeta(meta: TaskArtifactMeta, allowed: readonly string[]): void {
  if (typeof meta?.filename !== 'string' || meta.filename.length === 0 || meta.filename.length > 255) {
    throw new UsageError('artifact: filename must be a string of 1-255 characters');
  }
  if (typeof meta.contentType !== 'string' || !allowed.includes(mediaTypeEssence(meta.contentType))) {
    throw new UsageError(
      `artifact: contentType ${JSON.stringify(meta.contentType)} is not among the task type's artifactTypes (${allowed.join(', ') || 'none'})`,
    );
  }
}
