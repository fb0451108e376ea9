import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { ConflictError } from '../errors/index.js';
import { backoffOption } from './backoff.js';
import type { JobType } from './define-job.js';
import { newJobId } from './ids.js';
import type { SqlTarget } from './sql/db.js';
import { findUnfinishedByKey } from './sql/find-unfinished-by-key.js';
import { insertJobs, type NewJob } from './sql/insert-jobs.js';
import type { EnqueuedJob, EnqueueOptions } from './types.js';

/** One job to enqueue: its type, payload (not yet validated) and options. */
export interface EnqueueItem {
  type: JobType;
  payload: unknown;
  options: Omit<EnqueueOptions, 'transaction'>;
}

/** Queue-wide defaults applied when neither the enqueue nor the type sets a value. */
export interface EnqueueDefaults {
  maxAttempts: number;
}

const validDate = (value: unknown): boolean => value instanceof Date && !Number.isNaN(value.getTime());

const enqueueOptionsSchema = z.object({
  priority: z.number().int('must be an integer').optional(),
  runAt: z.custom<Date>(validDate, 'must be a valid Date').optional(),
  delayMs: option.durationMs().optional(),
  maxAttempts: option.count().optional(),
  timeoutMs: option.positiveDurationMs().optional(),
  backoff: backoffOption.optional(),
  queue: option.name().optional(),
  dedupeKey: z
    .string('must be a string')
    .min(1, 'must not be empty')
    .max(512, 'must be at most 512 characters')
    .optional(),
});

/**
 * Checks every item and turns it into a row, before anything is stored: bad options are the code's
 * bug (a UsageError), a bad payload is bad input (a ValidationError, location `payload`).
 */
export function buildRows(items: readonly EnqueueItem[], defaults: EnqueueDefaults, now: number): NewJob[] {
  return items.map(({ type, payload, options }, index) => {
    // Most enqueues pass no options: nothing to check.
    if (Object.keys(options).length > 0) {
      checkOptions(items.length > 1 ? `enqueueMany: items.${index}.options` : 'enqueue', enqueueOptionsSchema, options);
    }
    const parsed = type.parse(payload);
    const runAt = options.runAt ? options.runAt.getTime() : now + (options.delayMs ?? 0);
    return {
      id: newJobId(),
      queue: options.queue ?? type.queue ?? 'default',
      type: type.name,
      payload: JSON.stringify(parsed ?? null),
      priority: options.priority ?? type.priority ?? 0,
      run_at: runAt,
      max_attempts: options.maxAttempts ?? type.maxAttempts ?? defaults.maxAttempts,
      backoff: options.backoff ? JSON.stringify(options.backoff) : null,
      timeout_ms: options.timeoutMs ?? null,
      dedupe_key: options.dedupeKey ?? null,
      created_at: now,
    };
  });
}

/**
 * Stores rows (multi-row inserts); a row whose dedupe key an unfinished job holds yields that job's id
 * instead. Run it in one transaction so the batch is all or nothing.
 */
export async function storeRows(target: SqlTarget, rows: readonly NewJob[]): Promise<EnqueuedJob[]> {
  const results = new Map<string, EnqueuedJob>();
  let todo: NewJob[] = [...rows];
  // A holder can finish between the skipped insert and the lookup; then the row is inserted on the next round.
  for (let round = 0; round < 5 && todo.length > 0; round += 1) {
    const inserted = await insertJobs(target, todo);
    const skipped = todo.filter((r) => !inserted.has(r.id));
    for (const r of todo) if (inserted.has(r.id)) results.set(r.id, { id: r.id, existing: false });
    todo = [];
    if (skipped.length === 0) break;
    const holders = await findUnfinishedByKey(
      target,
      skipped.map((r) => ({ type: r.type, dedupeKey: r.dedupe_key ?? '' })),
    );
    for (const r of skipped) {
      const holder = holders.get(`${r.type}\n${r.dedupe_key}`);
      if (holder) results.set(r.id, { id: holder, existing: true });
      else todo.push(r);
    }
  }
  if (todo.length > 0) throw new ConflictError('Jobs with these dedupe keys kept changing state; enqueue again');
  return rows.map((r) => results.get(r.id)!);
}
