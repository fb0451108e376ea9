import type { JobRow } from './schema.js';
import type { Job, JobAttemptError, JobState } from './types.js';

/** A bigint column as a number (PostgreSQL sends bigints as strings). */
export function toMs(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

function toDate(value: number | string | null): Date | null {
  return value === null ? null : new Date(toMs(value));
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** A stored row as a {@link Job}. */
export function rowToJob(row: JobRow): Job {
  return {
    id: String(row.id),
    type: row.type,
    queue: row.queue,
    state: row.state as JobState,
    payload: parseJson<unknown>(row.payload, null),
    priority: Number(row.priority),
    runAt: new Date(toMs(row.run_at)),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    progress: row.progress === null ? null : Number(row.progress),
    result: parseJson<unknown>(row.result, null),
    errors: parseJson<JobAttemptError[]>(row.errors, []),
    dedupeKey: row.dedupe_key,
    createdAt: new Date(toMs(row.created_at)),
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    lockedBy: row.locked_by,
    lockedUntil: toDate(row.locked_until),
  };
}

/** A failed attempt's error as kept on the job, trimmed to what is useful. */
export function attemptError(error: unknown, attempt: number, at: number): JobAttemptError {
  const err = error instanceof Error ? error : new Error(String(error));
  const stack = err.stack?.split('\n').slice(0, 8).join('\n');
  return {
    attempt,
    at: new Date(at).toISOString(),
    name: err.name,
    message: err.message.slice(0, 2000),
    ...(stack ? { stack: stack.slice(0, 4000) } : {}),
  };
}
