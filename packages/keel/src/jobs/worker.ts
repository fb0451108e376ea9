import type pg from 'pg';
import type { Logger } from 'pino';
import type { StopContext } from '../service/index.js';
import { Completer } from './completer.js';
import type { JobType } from './define-job.js';
import { type ExecuteDeps, executeJob } from './execute-job.js';
import type { JobMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import { PgListener } from './pg-listener.js';
import { type ClaimSizing, QueueRunner } from './queue-runner.js';
import type { RunningJob } from './running-job.js';
import { type ClaimedRow, claimJobs } from './sql/claim-jobs.js';
import { NOTIFY_CHANNEL, type SqlTarget } from './sql/db.js';
import { deleteCompleted } from './sql/delete-completed.js';
import { recoverExpired } from './sql/recover-expired.js';
import { releaseJobs } from './sql/release-jobs.js';
import { renewLeases } from './sql/renew-leases.js';
import type { BackoffOptions } from './types.js';
import { wakeBus } from './wake-bus.js';

/** Everything a worker runs with: the queue's resolved options, plus where and how to reach the database. */
export interface WorkerSettings
  extends Pick<
    ResolvedOptions,
    'workerId' | 'prefetch' | 'claimAheadMs' | 'leaseMs' | 'pollIntervalMs' | 'sweepIntervalMs' | 'completedRetentionMs'
  > {
  target: SqlTarget;
  /** The job types it runs, by name. */
  types: ReadonlyMap<string, JobType>;
  /** The queues it works, with their concurrency. */
  queues: ReadonlyMap<string, number>;
  /** The queue's store and enqueue, given to every handler. */
  shared: ExecuteDeps['shared'];
  /** Where the in-process wake-up bus is keyed (the database's location). */
  location: string;
  /** Connection settings for LISTEN (PostgreSQL only). */
  listenConfig: pg.ClientConfig | undefined;
  defaults: { timeoutMs: number; backoff: BackoffOptions };
  logger: Logger;
  metrics: JobMetrics | undefined;
}

/** The most claimed jobs a queue holds beyond its running ones. */
const MAX_BUFFERED = 1000;

function claimSizing(settings: WorkerSettings): ClaimSizing {
  const { prefetch, claimAheadMs } = settings;
  return { prefetch, claimAheadMs, maxBuffered: Math.max(prefetch, MAX_BUFFERED) };
}

/**
 * Runs jobs: one runner per queue, woken by signals (in-process, or PostgreSQL NOTIFY) and a slow poll;
 * renews its leases, recovers jobs whose worker died, deletes old completed jobs, and on stop lets go
 * of what it cannot finish in time.
 */
export class Worker {
  readonly running = new Map<string, RunningJob>();
  private readonly runners = new Map<string, QueueRunner>();
  private readonly completer: Completer;
  private readonly typeNames: string[];
  private readonly timers: NodeJS.Timeout[] = [];
  private listener: PgListener | undefined;
  private accepting = true;
  private closed = false;
  private readonly onWake = (queue: string): void => this.runners.get(queue)?.wake();

  constructor(private readonly settings: WorkerSettings) {
    this.typeNames = [...settings.types.keys()];
    this.completer = new Completer(
      settings.target,
      settings.workerId,
      settings.completedRetentionMs === 0,
      settings.metrics,
      settings.logger,
      () => this.closed,
    );
    for (const [queue, concurrency] of settings.queues) {
      this.runners.set(
        queue,
        new QueueRunner(queue, concurrency, claimSizing(settings), {
          logger: settings.logger,
          claim: (q, limit) => this.claim(q, limit),
          start: (row, done) => this.run(row, done),
        }),
      );
    }
  }

  /** Starts listening and polling, and looks for work at once. */
  async start(): Promise<void> {
    const s = this.settings;
    wakeBus(s.location).on('wake', this.onWake);
    if (s.listenConfig) {
      this.listener = new PgListener({
        config: s.listenConfig,
        channel: NOTIFY_CHANNEL,
        logger: s.logger,
        onNotify: this.onWake,
        onConnect: () => this.wakeAll(),
      });
      await this.listener.start();
    }
    const every = (ms: number, work: () => Promise<void>): void => {
      const timer = setInterval(() => void work().catch((err) => s.logger.warn({ err }, 'job upkeep failed')), ms);
      // Kept referenced: a worker-only process on SQLite has nothing else keeping it alive.
      this.timers.push(timer);
    };
    every(s.pollIntervalMs, () => this.poll());
    every(Math.max(50, Math.floor(s.leaseMs / 3)), () => this.renew());
    every(s.sweepIntervalMs, () => this.sweep());
    await this.poll();
  }

  /** Looks for work in every queue. */
  wakeAll(): void {
    for (const runner of this.runners.values()) runner.wake();
  }

  /** Takes no more jobs (the first step of shutdown). */
  stopTaking(): void {
    this.accepting = false;
    for (const runner of this.runners.values()) runner.stop();
  }

  /** Aborts a job this worker runs (it was cancelled); its outcome is not stored. */
  abort(id: string, reason: Error): void {
    const job = this.running.get(id);
    if (!job) return;
    job.detached = true;
    job.abort(reason);
  }

  /** Waits for running jobs until the stop signal aborts, then releases the rest to other workers. */
  async stop(context: StopContext): Promise<void> {
    this.stopTaking();
    const s = this.settings;
    wakeBus(s.location).off('wake', this.onWake);
    // A claim in flight lands in the buffer first: then it is released with the rest.
    await Promise.all([...this.runners.values()].map((r) => r.settled()));
    const buffered = [...this.runners.values()].flatMap((r) => r.takeBuffered());
    if (buffered.length > 0) await releaseJobs(s.target, buffered, s.workerId).catch(() => 0);
    if (this.running.size > 0 && !context.signal.aborted) {
      context.logger.info({ running: this.running.size }, 'waiting for running jobs');
      const aborted = new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
      await Promise.race([Promise.all([...this.running.values()].map((j) => j.settled)), aborted]);
    }
    const left = [...this.running.values()];
    if (left.length > 0) {
      for (const job of left) {
        job.detached = true;
        job.abort(new Error('The worker is shutting down; the job was released to another worker'));
      }
      const ids = left.map((j) => j.row.id);
      const released = await releaseJobs(s.target, ids, s.workerId).catch((err: unknown) => {
        context.logger.error({ err }, 'could not release abandoned jobs; their leases will expire');
        return 0;
      });
      context.reportAbandoned(`${left.length} running jobs (${released} released at once): ${ids.join(', ')}`);
    }
    await Promise.race([
      this.completer.drain(),
      new Promise((r) => setTimeout(r, Math.max(0, context.deadline - Date.now() + 500))),
    ]);
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.listener?.stop();
  }

  private claim(queue: string, limit: number): Promise<ClaimedRow[]> {
    const s = this.settings;
    return claimJobs(s.target, {
      queue,
      types: this.typeNames,
      limit,
      workerId: s.workerId,
      now: Date.now(),
      leaseMs: s.leaseMs,
    });
  }

  private run(row: ClaimedRow, done: () => void): void {
    const s = this.settings;
    const type = s.types.get(row.type)!;
    const job = executeJob(row, type, {
      target: s.target,
      workerId: s.workerId,
      logger: s.logger,
      metrics: s.metrics,
      defaults: s.defaults,
      shared: s.shared,
      complete: (claimed, result) =>
        this.completer.add({ id: claimed.id, result, queue: claimed.queue, type: claimed.type }),
      closed: () => this.closed,
      wakeAt: (queue, at) => this.wakeAt(queue, at),
    });
    this.running.set(row.id, job);
    void job.settled.then(() => {
      this.running.delete(row.id);
      done();
    });
  }

  private wakeAt(queue: string, at: number): void {
    const delay = at - Date.now();
    const runner = this.runners.get(queue);
    if (!runner || delay >= this.settings.pollIntervalMs) return;
    if (delay <= 0) runner.wake();
    else setTimeout(() => runner.wake(), delay + 1).unref();
  }

  private async poll(): Promise<void> {
    if (!this.accepting) return;
    const recovered = await recoverExpired(this.settings.target, Date.now());
    for (const row of recovered) {
      this.settings.logger.warn(
        { jobId: row.id, type: row.type, state: row.state },
        'recovered a job whose lease expired',
      );
      if (row.state === 'failed') this.settings.metrics?.failed.inc({ queue: row.queue, type: row.type });
      else this.settings.metrics?.retried.inc({ queue: row.queue, type: row.type });
    }
    this.wakeAll();
  }

  private async renew(): Promise<void> {
    const ids = [...this.running.values()].filter((j) => !j.detached).map((j) => j.row.id);
    for (const runner of this.runners.values()) ids.push(...runner.bufferedIds());
    if (ids.length === 0) return;
    const s = this.settings;
    const held = await renewLeases(s.target, ids, s.workerId, Date.now() + s.leaseMs);
    const lost = new Set(ids.filter((id) => !held.has(id)));
    for (const id of lost) this.abort(id, new Error('The job was cancelled or its lease was lost'));
    for (const runner of this.runners.values()) runner.dropBuffered(lost);
  }

  private async sweep(): Promise<void> {
    const s = this.settings;
    if (s.completedRetentionMs <= 0) return;
    const deleted = await deleteCompleted(s.target, Date.now() - s.completedRetentionMs);
    if (deleted > 0) s.logger.debug({ deleted }, 'deleted completed jobs past retention');
  }
}
