import { pino } from 'pino';
import { z } from 'zod';
import { defineJob, JobQueue, type JobQueueOptions, type JobType } from '../../jobs/index.js';
import { Service } from '../../service/index.js';
import { Store } from '../../store/index.js';
import type { TestDatabase } from '../../testing/index.js';
import type { Schedule } from '../define-schedule.js';
import { Scheduler } from '../scheduler.js';

/** A clock the tests move by hand. */
export interface FakeClock {
  ms: number;
  now(): Date;
  advance(ms: number): void;
}

/** A fake clock at `start` (default: 30 s past the next full hour, far from any tick of the tests' schedules). */
export function fakeClock(start = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 30_000): FakeClock {
  const clock: FakeClock = {
    ms: start,
    now: () => new Date(clock.ms),
    advance: (ms) => {
      clock.ms += ms;
    },
  };
  return clock;
}

/** A started service with a store, a job queue and a scheduler. */
export interface SchedulerHarness {
  service: Service;
  store: Store<unknown>;
  jobs: JobQueue<unknown>;
  scheduler: Scheduler<unknown>;
}

/** Starts store + jobs + scheduler on `database`; quiet logs unless LOG_LEVEL is set. */
export async function startScheduler(
  database: TestDatabase,
  options: {
    schedules: Schedule[];
    /** The job queue's types, besides the schedules' own. Default: none. */
    types?: JobType[];
    clock?: FakeClock;
    jobs?: Partial<Omit<JobQueueOptions<unknown>, 'store' | 'types'>>;
  },
): Promise<SchedulerHarness> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const service = new Service({ name: 'schedule-test', logger, shutdownGraceMs: 5000 });
  const store = new Store<unknown>(database.options);
  const jobs = new JobQueue<unknown>({ pollIntervalMs: 100, ...options.jobs, store, types: options.types ?? [] });
  const scheduler = new Scheduler<unknown>({
    store,
    jobs,
    schedules: options.schedules,
    pollIntervalMs: 100,
    ...(options.clock ? { now: options.clock.now } : {}),
  });
  service.add(store).add(jobs).add(scheduler);
  await service.start();
  return { service, store, jobs, scheduler };
}

/** A started service with only a store on `database`, to read tables without touching the schedules. */
export async function openStore(database: TestDatabase): Promise<{ service: Service; store: Store<unknown> }> {
  const service = new Service({ name: 'schedule-reader', logger: pino({ level: 'silent' }) });
  const store = new Store<unknown>(database.options);
  service.add(store);
  await service.start();
  return { service, store };
}

/** A job type that records each run's label, and waits while its gate is closed. */
export function recordingJob(name = 'record') {
  const runs: string[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const job = defineJob({
    name,
    payload: z.object({ label: z.string() }),
    handler: async ({ label }) => {
      runs.push(label);
      await gate;
    },
  });
  return {
    job,
    runs,
    /** Makes runs wait until `open()`. */
    close(): void {
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    open(): void {
      release();
      gate = Promise.resolve();
    },
  };
}
