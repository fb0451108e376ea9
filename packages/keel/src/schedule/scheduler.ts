import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { checkOptions, duplicateNames, option } from '../config/index.js';
import { KeelError, NotFoundError, UsageError } from '../errors/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import type { Store } from '../store/index.js';
import { internalsOf, isSchedule, type Schedule } from './define-schedule.js';
import { enqueueRun } from './enqueue-run.js';
import { createScheduleMetrics, type ScheduleMetrics } from './metrics.js';
import { type ResolvedSchedulerOptions, resolveSchedulerOptions, type SchedulerOptions } from './options.js';
import { processDue } from './process-due.js';
import { hasUnfinishedRun, listRuns, pruneRuns } from './run-rows.js';
import {
  advanceSchedule,
  lockSchedule,
  readSchedules,
  reconcileSchedules,
  type ScheduleDb,
  setPaused,
} from './schedule-rows.js';
import { SCHEDULE_MIGRATION_TABLE, scheduleMigrations } from './schema.js';
import { type ScheduleRunStatus, type SchedulerStatus, scheduleStatus } from './status.js';
import { syncRuns } from './sync-runs.js';

/**
 * One run of a schedule, from its history.
 *
 * @example
 * ```ts
 * const failed = (await scheduler.runs('nightly-backup')).filter((run: ScheduleRun) => run.status === 'failed');
 * ```
 */
export interface ScheduleRun {
  /** `tick:<ms>` for ticks and catch-ups, `trigger:…` and `start:…` otherwise; unique per schedule. */
  runKey: string;
  kind: 'tick' | 'catch-up' | 'trigger' | 'start';
  /** The tick it was planned for (the request time for triggers and start runs). */
  plannedAt: Date;
  status: ScheduleRunStatus;
  /** The enqueued job, or `null` for a skipped tick. */
  jobId: string | null;
  enqueuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
}

const runsOptionsSchema = z.object({ limit: option.count().optional() });

// Old runs are pruned at most this often.
const PRUNE_EVERY_MS = 60_000;
// A timer that fired a hair early must not spin: the next check waits at least this long.
const MIN_DELAY_MS = 5;

/**
 * The scheduler component: each tick of each schedule enqueues one durable job, however many
 * instances run against the database. Pause, resume and trigger are stored, so they survive restarts
 * and reach every instance. Depends on the job queue and the store; add it after both.
 *
 * @example
 * ```ts
 * const scheduler = createScheduler({ store, jobs });
 * scheduler.add(nightlyBackup, purgeSessions);
 * service.add(store).add(jobs).add(scheduler);
 * await scheduler.pause('nightly-backup');
 * ```
 */
export class Scheduler<DB> implements Component {
  readonly name: string;
  readonly dependsOn: readonly string[];
  private readonly store: Store<DB>;
  private readonly jobs: JobQueue<DB>;
  private readonly settings: ResolvedSchedulerOptions;
  private readonly byName = new Map<string, Schedule>();
  private logger: Logger | undefined;
  private metrics: ScheduleMetrics | undefined;
  /** Set when start begins, never cleared: the schedules are fixed from then on. */
  private frozen = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private lastPrune = 0;
  private readonly instance = randomBytes(4).toString('hex');

  constructor(options: SchedulerOptions<DB>) {
    this.settings = resolveSchedulerOptions(options);
    this.store = options.store;
    this.jobs = options.jobs;
    this.name = this.settings.name;
    this.dependsOn = [options.jobs.name, options.store.name];
    this.add(...this.settings.schedules);
  }

  /** The declared schedules, in declaration order. */
  get schedules(): Schedule[] {
    return [...this.byName.values()];
  }

  /**
   * Adds schedules before start (a feature's, say). A schedule declared with a `handler` brings its
   * own job type, registered here on the job queue (which must not have started, nor know a job type
   * of that name). After start, for a name already added, or for anything but a schedule, throws a
   * UsageError and adds nothing.
   *
   * @example
   * ```ts
   * const scheduler = createScheduler({ store, jobs });
   * scheduler.add(nightlyBackup, purgeSessions);
   * ```
   */
  add(...schedules: Schedule[]): this {
    if (this.frozen) throw new UsageError(`Schedules must be added before the scheduler "${this.name}" starts`);
    const bad = schedules.findIndex((schedule) => !isSchedule(schedule));
    if (bad >= 0) throw new UsageError(`scheduler.add: argument ${bad} must be a schedule (defineSchedule)`);
    const twice = duplicateNames([...this.byName.values(), ...schedules]);
    if (twice.length > 0) {
      throw new UsageError(`The scheduler "${this.name}" already has a schedule named ${twice.join(', ')}`);
    }
    const owned = schedules.flatMap((schedule) => (schedule.jobType ? [schedule.jobType] : []));
    const taken = owned.filter((type) => this.jobs.knows(type)).map((type) => `"${type.name}"`);
    if (taken.length > 0) {
      throw new UsageError(
        `The schedules ${taken.join(', ')} bring their own job types, named after them, but the job queue ` +
          `"${this.jobs.name}" already has job types of those names: rename the schedules or the job types ` +
          "(and do not list a schedule's own job type in the queue's types)",
      );
    }
    if (owned.length > 0) this.jobs.register(...owned);
    for (const schedule of schedules) this.byName.set(schedule.name, schedule);
    return this;
  }

  async start(context: ComponentContext): Promise<void> {
    this.frozen = true;
    // A schedule whose job the queue does not know would enqueue jobs that never run.
    const unknown = this.schedules.filter((schedule) => !this.jobs.knows(schedule.job));
    if (unknown.length > 0) {
      const list = unknown.map((schedule) => `"${schedule.name}" (job type "${schedule.job.name}")`).join(', ');
      throw new KeelError('config', `The job queue "${this.jobs.name}" lacks the job types of the schedules ${list}`);
    }
    this.logger = context.logger;
    await this.store.migrate({ table: SCHEDULE_MIGRATION_TABLE, migrations: scheduleMigrations }, context.logger);
    this.metrics = createScheduleMetrics(
      context.metrics,
      this.schedules.map((s) => s.name),
    );
    const declared = this.schedules.map((s) => ({ name: s.name, spec: internalsOf(s).spec }));
    const changes = await reconcileSchedules(this.db(), declared, this.settings.now());
    context.logger.info({ schedules: declared.map((d) => d.name), ...changes }, 'schedules reconciled');
    await this.runStartRuns();
    this.running = true;
    this.wake(0);
  }

  beginShutdown(): void {
    this.halt();
  }

  async stop(context: StopContext): Promise<void> {
    this.halt();
    // A check in flight finishes (it is one short transaction per schedule) unless the grace period ends.
    await Promise.race([
      this.chain,
      new Promise<void>((resolve) => {
        if (context.signal.aborted) resolve();
        context.signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    ]);
  }

  /**
   * Handles every due tick now, then picks up run outcomes. The timer calls it; a test driving the
   * `now` option calls it after moving the clock. Checks never overlap.
   */
  check(): Promise<void> {
    const next = this.chain.then(() => this.checkOnce());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Pauses a schedule on every instance, until resumed (also across restarts). */
  async pause(name: string): Promise<void> {
    this.require(name);
    if (!(await setPaused(this.db(), name, true, this.settings.now()))) throw this.notStored(name);
    this.logger?.info({ schedule: name }, 'schedule paused');
  }

  /** Resumes a paused schedule from its next tick; ticks planned while paused are not caught up. */
  async resume(name: string): Promise<void> {
    this.require(name);
    if (!(await setPaused(this.db(), name, false, this.settings.now()))) throw this.notStored(name);
    this.logger?.info({ schedule: name }, 'schedule resumed');
    this.wake(0);
  }

  /** Enqueues a run now, paused or not, whatever the overlap policy; resolves to its job's id. */
  async trigger(name: string): Promise<{ jobId: string }> {
    const schedule = this.require(name);
    const now = this.settings.now();
    const jobId = await this.db()
      .transaction()
      .execute(async (trx) => {
        if (!(await lockSchedule(trx, name, now))) throw this.notStored(name);
        const run = { runKey: `trigger:${now}:${randomBytes(4).toString('hex')}`, kind: 'trigger' as const };
        const id = await enqueueRun(trx, this.jobs, schedule, { ...run, plannedAt: now }, now);
        await advanceSchedule(trx, name, { addedRuns: 1 }, now);
        return id!;
      });
    this.logger?.info({ schedule: name, jobId }, 'schedule triggered');
    return { jobId };
  }

  /** Every declared schedule with its stored state, next tick and latest run. */
  async status(): Promise<SchedulerStatus> {
    const now = this.settings.now();
    await syncRuns(this.db(), this.jobs, [...this.byName.keys()], this.metrics!);
    const stored = await readSchedules(this.db());
    const schedules = [];
    for (const schedule of this.schedules) {
      schedules.push(await scheduleStatus(this.db(), schedule, stored.get(schedule.name), now));
    }
    return { running: this.running, schedules };
  }

  /** The status of one schedule; a NotFoundError for an unknown name. */
  async scheduleStatus(name: string): Promise<SchedulerStatus['schedules'][number]> {
    const schedule = this.require(name);
    const now = this.settings.now();
    await syncRuns(this.db(), this.jobs, [name], this.metrics!);
    const stored = await readSchedules(this.db());
    return scheduleStatus(this.db(), schedule, stored.get(name), now);
  }

  /**
   * A schedule's run history (kept for `runRetentionMs`), oldest first: every run, or the latest
   * `limit` (a whole number, 1 or more).
   *
   * @example
   * ```ts
   * const failed = (await scheduler.runs('nightly-backup', { limit: 30 })).filter((run) => run.status === 'failed');
   * ```
   */
  async runs(name: string, options: { limit?: number } = {}): Promise<ScheduleRun[]> {
    const { limit } = checkOptions('scheduler.runs', runsOptionsSchema, options);
    this.require(name);
    await syncRuns(this.db(), this.jobs, [name], this.metrics!);
    const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
    return (await listRuns(this.db(), name, limit)).map((run) => ({
      runKey: run.runKey,
      kind: run.kind as ScheduleRun['kind'],
      plannedAt: new Date(run.plannedAt),
      status: run.status as ScheduleRunStatus,
      jobId: run.jobId,
      enqueuedAt: new Date(run.enqueuedAt),
      startedAt: date(run.startedAt),
      finishedAt: date(run.finishedAt),
      error: run.error,
    }));
  }

  private async checkOnce(): Promise<void> {
    const db = this.db();
    const metrics = this.metrics!;
    const names = [...this.byName.keys()];
    let now = this.settings.now();
    const stored = await readSchedules(db);
    for (const schedule of this.schedules) {
      const row = stored.get(schedule.name);
      if (!row || row.paused) continue;
      const next = internalsOf(schedule).timing.nextAfter(row.lastTickAt);
      if (next === null || next > now) continue;
      // The overlap policy reads the previous runs' states: bring them up to date first.
      if (schedule.overlap === 'skip') await syncRuns(db, this.jobs, [schedule.name], metrics);
      const outcome = await processDue(db, this.jobs, schedule, now);
      if (!outcome) continue;
      if (outcome.skipped > 0) metrics.runs.inc({ schedule: schedule.name, outcome: 'skipped' }, outcome.skipped);
      if (outcome.dropped > 0) metrics.runs.inc({ schedule: schedule.name, outcome: 'missed' }, outcome.dropped);
      if (outcome.dropped > 0 || outcome.skipped > 0)
        this.logger?.info({ schedule: schedule.name, ...outcome }, 'ticks not run');
      else this.logger?.debug({ schedule: schedule.name, ...outcome }, 'ticks enqueued');
    }
    now = this.settings.now();
    await syncRuns(db, this.jobs, names, metrics);
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await pruneRuns(db, now - this.settings.runRetentionMs);
    }
  }

  // One start run per schedule that asks for it, unless one of its runs is unfinished (e.g. another instance's).
  private async runStartRuns(): Promise<void> {
    const starting = this.schedules.filter((s) => s.runOnStart);
    if (starting.length === 0) return;
    const now = this.settings.now();
    const names = starting.map((s) => s.name);
    await syncRuns(this.db(), this.jobs, names, this.metrics!);
    for (const schedule of starting) {
      await this.db()
        .transaction()
        .execute(async (trx) => {
          const row = await lockSchedule(trx, schedule.name, now);
          if (!row || row.paused || (await hasUnfinishedRun(trx, schedule.name))) return;
          const runKey = `start:${now}:${this.instance}`;
          await enqueueRun(trx, this.jobs, schedule, { runKey, kind: 'start', plannedAt: now }, now);
          await advanceSchedule(trx, schedule.name, { addedRuns: 1 }, now);
        });
    }
  }

  private wake(delayMs: number): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.check()
        .catch((error: unknown) => this.logger?.warn({ err: error }, 'schedule check failed; retrying'))
        .finally(() => this.wake(this.nextDelay()));
    }, delayMs);
  }

  // Until the soonest tick, but at least every poll interval, for pauses and outcomes from elsewhere.
  private nextDelay(): number {
    const now = this.settings.now();
    let delay = this.settings.pollIntervalMs;
    for (const schedule of this.schedules) {
      const next = internalsOf(schedule).timing.nextAfter(now);
      if (next !== null) delay = Math.min(delay, next - now);
    }
    return Math.max(MIN_DELAY_MS, delay);
  }

  private halt(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private require(name: string): Schedule {
    const schedule = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (!schedule) throw new NotFoundError(`There is no schedule ${JSON.stringify(String(name).slice(0, 128))}`);
    return schedule;
  }

  private notStored(name: string): NotFoundError {
    return new NotFoundError(`The schedule "${name}" is not stored (another instance removed it)`);
  }

  private db(): ScheduleDb {
    if (!this.metrics) {
      throw new UsageError(`The scheduler "${this.name}" has not started: call this once the service has started`);
    }
    return this.store.db as unknown as ScheduleDb;
  }
}

/**
 * Creates the {@link Scheduler} component and registers the schedules' own job types on `jobs`;
 * bad options (duplicate names, a non-schedule, a bad interval) throw a UsageError at once.
 *
 * @example
 * ```ts
 * const scheduler = createScheduler({ store, jobs, schedules: [nightlyBackup, purgeSessions] });
 * service.add(store).add(jobs).add(scheduler);
 * ```
 */
export function createScheduler<DB>(options: SchedulerOptions<DB>): Scheduler<DB> {
  return new Scheduler<DB>(options);
}
