import { z } from 'zod';
import { JOB_ID_PATTERN } from './ids.js';
import type { Job } from './types.js';
import { jobStates } from './types.js';

const attemptError = z.object({
  attempt: z.number(),
  at: z.string(),
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
});

/** A job as the admin API shows it (times in ISO 8601). */
export const jobView = z.object({
  id: z.string(),
  type: z.string(),
  queue: z.string(),
  state: z.enum(jobStates as [string, ...string[]]),
  payload: z.unknown(),
  priority: z.number(),
  runAt: z.string(),
  attempts: z.number(),
  maxAttempts: z.number(),
  progress: z.number().nullable(),
  result: z.unknown(),
  errors: z.array(attemptError),
  dedupeKey: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  lockedBy: z.string().nullable(),
  lockedUntil: z.string().nullable(),
});

/** A job in a listing: everything but the payload, result and stacks, with its last error's message. */
export const jobSummaryView = jobView
  .omit({ payload: true, result: true, errors: true })
  .extend({ lastError: z.string().nullable() });

export const listQuery = z.object({
  state: z.enum(jobStates as [string, ...string[]]).optional(),
  queue: z.string().max(128).optional(),
  type: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(JOB_ID_PATTERN, "must be a page's nextCursor").optional(),
});

export const idParams = z.object({ id: z.string().max(200) });

export const statsView = z.object({
  queues: z.array(
    z.object({
      queue: z.string(),
      counts: z.record(z.string(), z.number()),
      oldestWaitingAgeMs: z.number().nullable(),
    }),
  ),
});

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** A {@link Job} as {@link jobView}. */
export function toJobView(job: Job): z.infer<typeof jobView> {
  return {
    ...job,
    runAt: job.runAt.toISOString(),
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    lockedUntil: iso(job.lockedUntil),
  };
}

/** A {@link Job} as {@link jobSummaryView}. */
export function toSummaryView(job: Job): z.infer<typeof jobSummaryView> {
  const { payload: _p, result: _r, errors, ...view } = toJobView(job);
  return { ...view, lastError: errors.at(-1)?.message ?? null };
}
