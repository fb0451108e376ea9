import type { TaskRow } from './schema.js';
import type { Task, TaskArtifactInfo, TaskError, TaskState } from './types.js';

/** What `artifact` holds on the row: the public info and where the file is, relative to the data folder. */
export interface StoredArtifact extends TaskArtifactInfo {
  path: string;
}

const ms = (value: number | string): number => Number(value);
const date = (value: number | string | null): Date | null => (value === null ? null : new Date(Number(value)));
const json = <T>(value: string | null): T | null => (value === null ? null : (JSON.parse(value) as T));

/** The state as seen at `now`: a succeeded task past its expiry reads as expired before the cleanup ran. */
export function effectiveState(row: Pick<TaskRow, 'state' | 'expires_at'>, now: number): TaskState {
  if (row.state === 'succeeded' && row.expires_at !== null && ms(row.expires_at) <= now) return 'expired';
  return row.state as TaskState;
}

/** A stored row as the public {@link Task}. */
export function rowToTask(row: TaskRow, now = Date.now()): Task {
  const state = effectiveState(row, now);
  const artifact = state === 'succeeded' ? json<StoredArtifact>(row.artifact) : null;
  return {
    id: row.id,
    type: row.type,
    owner: row.owner,
    state,
    priority: Number(row.priority),
    timeoutMs: ms(row.timeout_ms),
    input: json(row.input),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    progress:
      row.progress_done === null
        ? null
        : {
            done: Number(row.progress_done),
            total: row.progress_total === null ? null : Number(row.progress_total),
            details: json<Record<string, unknown>>(row.progress_details),
            updatedAt: new Date(ms(row.progress_at ?? row.created_at)),
          },
    result: state === 'succeeded' ? json(row.result) : null,
    artifact: artifact ? { filename: artifact.filename, contentType: artifact.contentType, size: artifact.size } : null,
    error: json<TaskError>(row.error),
    createdAt: new Date(ms(row.created_at)),
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    cancelRequestedAt: date(row.cancel_requested_at),
    expiresAt: date(row.expires_at),
  };
}
