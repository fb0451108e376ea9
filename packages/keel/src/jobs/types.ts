import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { JobType } from './define-job.js';

/**
 * Where a job is in its life: `waiting` (due now or later), `running`, then `completed`, `failed` or `cancelled`.
 *
 * @example
 * ```ts
 * const state: JobState = 'failed';
 * const page = await jobs.list({ state });
 * ```
 */
export type JobState = 'waiting' | 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * Every {@link JobState}, in lifecycle order.
 *
 * @example
 * ```ts
 * const counts = Object.fromEntries(jobStates.map((state) => [state, 0]));
 * ```
 */
export const jobStates: readonly JobState[] = ['waiting', 'running', 'completed', 'failed', 'cancelled'];

/**
 * How long to wait before the next attempt after a failed one.
 *
 * @example
 * ```ts
 * const backoff: BackoffOptions = { type: 'exponential', baseMs: 500, maxMs: 60_000, jitter: true };
 * ```
 */
export type BackoffOptions =
  | {
      type: 'exponential';
      /** Delay after the first failed attempt, doubled after each next one. Default: 1000 ms. */
      baseMs?: number;
      /** Upper bound of the delay. Default: 3600000 ms (1 hour). */
      maxMs?: number;
      /** Full jitter: a random delay between 0 and the computed one, so retries spread out. Default: `true`. */
      jitter?: boolean;
    }
  | {
      type: 'fixed';
      /** The same delay after every failed attempt. */
      delayMs: number;
    };

/**
 * One failed attempt, as kept on the job.
 *
 * @example
 * ```ts
 * const last: JobAttemptError | undefined = job.errors.at(-1);
 * ```
 */
export interface JobAttemptError {
  /** The attempt number (1 for the first run). */
  attempt: number;
  /** When the attempt failed (ISO 8601). */
  at: string;
  /** The error's class name, e.g. `TimeoutError`. */
  name: string;
  message: string;
  /** The first lines of the stack, when there was one. */
  stack?: string;
}

/**
 * A job as stored, with its payload, attempts and errors.
 *
 * @example
 * ```ts
 * const job: Job | undefined = await jobs.get(id);
 * if (job?.state === 'failed') console.log(job.errors);
 * ```
 */
export interface Job<P = unknown, R = unknown> {
  id: string;
  type: string;
  queue: string;
  state: JobState;
  payload: P;
  priority: number;
  /** When the job is or was due. */
  runAt: Date;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  /** The last value reported with `ctx.progress(n)`, or `null`. */
  progress: number | null;
  /** The handler's result once completed, or `null`. */
  result: R | null;
  /** Every failed attempt's error, oldest first. */
  errors: JobAttemptError[];
  dedupeKey: string | null;
  createdAt: Date;
  /** When the last attempt started, or `null`. */
  startedAt: Date | null;
  /** When the job reached `completed`, `failed` or `cancelled`, or `null`. */
  finishedAt: Date | null;
  /** The worker holding the lease while running, or `null`. */
  lockedBy: string | null;
  /** When the running attempt's lease expires unless renewed, or `null`. */
  lockedUntil: Date | null;
}

/**
 * What a handler receives beside its payload: the job's id and attempt, an abort signal, a logger,
 * progress reports, the queue's store, and `enqueue` for follow-up jobs. `DB` is the store's
 * database type (annotate `ctx: JobContext<Database>` in the handler to use it).
 *
 * @example
 * ```ts
 * handler: async ({ eventId }, ctx: JobContext<Database>) => {
 *   ctx.logger.info({ attempt: ctx.attempt }, 'sending');
 *   await fetch(url, { signal: ctx.signal });
 *   await ctx.store.transaction(async (trx) => {
 *     await trx.updateTable('events').set({ notified: true }).where('id', '=', eventId).execute();
 *     await ctx.enqueue(audit, { eventId }); // joins the transaction: both or neither
 *   });
 *   await ctx.progress(100);
 * }
 * ```
 */
export interface JobContext<DB = unknown> {
  /** The job's id. */
  id: string;
  /** The attempt number, 1 for the first run. */
  attempt: number;
  /** Aborts when the timeout passes, the job is cancelled, its lease is lost or the worker must abandon it. */
  signal: AbortSignal;
  /** The queue's logger, bound to the job's id, type and attempt. */
  logger: Logger;
  /** The store of the queue running the job (its database holds the jobs too). */
  store: Store<DB>;
  /** Records progress (any number, e.g. a percentage) on the job; resolves once stored. */
  progress(value: number): Promise<void>;
  /**
   * Enqueues a job on the queue running this one, like {@link JobQueue.enqueue}. Called inside
   * `ctx.store.transaction(...)` it joins that transaction (the job exists if and only if it
   * commits); `options.transaction` names another one.
   */
  enqueue<I, O, R>(type: JobType<I, O, R>, payload: I, options?: EnqueueOptions<Transaction<DB>>): Promise<EnqueuedJob>;
}

/**
 * Options of one enqueue.
 *
 * @example
 * ```ts
 * await jobs.enqueue(sendReminder, { eventId }, { runAt: startsAt, dedupeKey: `reminder:${eventId}`, transaction: trx });
 * ```
 */
export interface EnqueueOptions<Trx = unknown> {
  /** Higher runs first. Default: the job type's priority, else 0. */
  priority?: number;
  /** Not before this time. Default: now (or now + `delayMs`). */
  runAt?: Date;
  /** Not before this many ms from now; ignored when `runAt` is set. Default: 0. */
  delayMs?: number;
  /** Attempts before the job stays `failed`. Default: the type's, else the queue's (5). */
  maxAttempts?: number;
  /** Delay between attempts. Default: the type's, else exponential from 1 s with full jitter, up to 1 h. */
  backoff?: BackoffOptions;
  /** An attempt running longer is aborted and counts as failed. Default: the type's, else the queue's (300000 ms). */
  timeoutMs?: number;
  /** The queue the job runs in. Default: the type's queue, else `default`. */
  queue?: string;
  /**
   * While a job of the same type with this key is `waiting` or `running`, enqueue returns that job
   * instead of adding one. Default: none (no deduplication).
   */
  dedupeKey?: string;
  /**
   * The store transaction to add the job in: it exists if and only if the transaction commits.
   * Default: the transaction the caller runs inside through `store.transaction(...)`, if any.
   */
  transaction?: Trx;
}

/**
 * What enqueue returns: the job's id, and whether an unfinished job with the same dedupe key was returned instead.
 *
 * @example
 * ```ts
 * const { id, existing } = await jobs.enqueue(sendReminder, { eventId }, { dedupeKey: eventId });
 * ```
 */
export interface EnqueuedJob {
  id: string;
  /** `true` when the dedupe key matched an unfinished job, whose id this is. */
  existing: boolean;
}

/**
 * A job named by its id, or by its type and dedupe key (the unfinished job with that key).
 *
 * @example
 * ```ts
 * await jobs.cancel({ type: 'send-reminder', dedupeKey: `reminder:${eventId}` });
 * ```
 */
export type JobRef = string | { type: string; dedupeKey: string };
