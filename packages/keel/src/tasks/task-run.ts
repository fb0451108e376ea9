import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { UsageError } from '../errors/index.js';
import type { StoreDialect } from '../store/index.js';
import type { TaskTables } from './schema.js';

/** Why a run stopped before its handler settled. */
export type StopReason = 'cancel' | 'timeout' | 'shutdown' | 'lost';

interface PendingProgress {
  done: number;
  total: number | null;
  details: string | null;
}

/** What a run writes with. */
export interface RunDeps {
  db(): Kysely<TaskTables>;
  dialect: StoreDialect;
  progressIntervalMs: number;
  logger: Logger;
  /** Tells this process's watchers the task changed. */
  changed(taskId: string): void;
  /** Counts a stored write. */
  wrote(): void;
}

/**
 * One attempt of a task in this process: its abort signal, and its writes, every one guarded by the
 * run token so a run that was cut (timeout, cancel, takeover) can no longer change the task.
 */
export class TaskRun {
  readonly controller = new AbortController();
  /** Set once the run is stopped from outside (cancel, timeout, shutdown, takeover). */
  reason: StopReason | undefined;
  /** Resolves with the reason when the run is stopped. */
  readonly stopped: Promise<StopReason>;
  private resolveStopped!: (reason: StopReason) => void;
  /** Set when the run was cut: its handler may still run but nothing it does is stored. */
  private closed = false;
  private highest: number;
  private pending: PendingProgress | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastWriteAt = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly taskId: string,
    readonly token: string,
    storedDone: number | null,
    private readonly deps: RunDeps,
  ) {
    this.highest = storedDone ?? Number.NEGATIVE_INFINITY;
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  /** Stops the run: its signal aborts with `error`; the first reason wins. */
  stop(reason: StopReason, error: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.resolveStopped(reason);
    this.controller.abort(error);
  }

  /** No write of this run is stored any more (it was cut, or it ended). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  /** Records progress in memory (never lower than before) and schedules a coalesced write. */
  progress(done: number, total: number | null | undefined, details: Record<string, unknown> | undefined): void {
    if (typeof done !== 'number' || !Number.isFinite(done) || done < 0) {
      throw new UsageError('progress: done must be a finite number, 0 or more');
    }
    if (total !== undefined && total !== null && (typeof total !== 'number' || !Number.isFinite(total) || total < 0)) {
      throw new UsageError('progress: total must be a finite number, 0 or more, or null');
    }
    if (details !== undefined && (typeof details !== 'object' || details === null || Array.isArray(details))) {
      throw new UsageError('progress: details must be a plain object');
    }
    if (this.closed || done < this.highest) return;
    this.highest = done;
    this.pending = { done, total: total ?? null, details: details === undefined ? null : JSON.stringify(details) };
    if (this.timer) return;
    const delay = Math.max(0, this.lastWriteAt + this.deps.progressIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((err: unknown) =>
        this.deps.logger.warn({ err, taskId: this.taskId }, 'storing progress failed'),
      );
    }, delay);
  }

  /**
   * Writes the pending progress (and a checkpoint, when given) now, after any write in flight.
   * Resolves `false` when the run no longer owns the task (nothing was stored).
   */
  flush(checkpoint?: string): Promise<boolean> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.writing.then(() => this.write(checkpoint));
    this.writing = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async write(checkpoint: string | undefined): Promise<boolean> {
    const progress = this.pending;
    this.pending = undefined;
    if (this.closed || (!progress && checkpoint === undefined)) return !this.closed;
    const now = Date.now();
    this.lastWriteAt = now;
    const max = this.deps.dialect === 'postgres' ? sql.raw('greatest') : sql.raw('max');
    try {
      const result = await this.deps
        .db()
        .updateTable('keel_task')
        .set({
          ...(progress
            ? {
                progress_done: sql<number>`${max}(coalesce(progress_done, 0), ${progress.done})`,
                progress_total: progress.total,
                progress_details: progress.details,
                progress_at: now,
              }
            : {}),
          ...(checkpoint !== undefined ? { checkpoint } : {}),
        })
        .where('id', '=', this.taskId)
        .where('run_token', '=', this.token)
        .where('state', 'in', ['running', 'cancelling'])
        .executeTakeFirst();
      const stored = Number(result.numUpdatedRows) > 0;
      this.deps.wrote();
      if (stored) this.deps.changed(this.taskId);
      return stored;
    } catch (error) {
      // Kept for the next write, unless newer progress came meanwhile.
      if (progress && !this.pending) this.pending = progress;
      throw error;
    }
  }
}
