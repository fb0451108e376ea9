import { ConflictError } from '../errors/index.js';
import type { JobType } from './define-job.js';
import { newJobId } from './ids.js';
import type { SqlTarget } from './sql/db.js';
import { findUnfinishedByKey } from './sql/find-unfinished-by-key.js';
import { insertJobs, type NewJob } from './sql/insert-jobs.js';
import type { EnqueuedJob, EnqueueOptions } from './types.js';
import { checkBackoff, checkNonNegative, checkPositiveInt, type OptionProblem, rejectProblems } from './validate.js';

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

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function optionProblems(options: Omit<EnqueueOptions, 'transaction'>): OptionProblem[] {
  const { priority, runAt, queue, dedupeKey } = options;
  return [
    ...(priority === undefined || Number.isSafeInteger(priority)
      ? []
      : [{ path: 'priority', message: 'must be an integer' }]),
    ...(runAt === undefined || (runAt instanceof Date && !Number.isNaN(runAt.getTime()))
      ? []
      : [{ path: 'runAt', message: 'must be a valid Date' }]),
    ...checkNonNegative('delayMs', options.delayMs),
    ...checkPositiveInt('maxAttempts', options.maxAttempts),
    ...checkPositiveInt('timeoutMs', options.timeoutMs),
    ...checkBackoff(options.backoff),
    ...(queue === undefined || NAME.test(queue)
      ? []
      : [{ path: 'queue', message: 'must be 1-128 letters, digits or ._:-' }]),
    ...(dedupeKey === undefined || (typeof dedupeKey === 'string' && dedupeKey.length > 0 && dedupeKey.length <= 512)
      ? []
      : [{ path: 'dedupeKey', message: 'must be a string of 1-512 characters' }]),
  ];
}

/** Validates every item and turns it into a row; throws one ValidationError before anything is stored. */
export function buildRows(items: readonly EnqueueItem[], defaults: EnqueueDefaults, now: number): NewJob[] {
  return items.map(({ type, payload, options }, index) => {
    const problems = optionProblems(options);
    if (problems.length > 0 && items.length > 1) {
      rejectProblems(problems.map((p) => ({ ...p, path: `${index}.${p.path}` })));
    }
    rejectProblems(problems);
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
