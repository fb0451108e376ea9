import { pino } from 'pino';
import { JobQueue } from '../../src/jobs/index.js';
import { createScheduler } from '../../src/schedule/index.js';
import { Service } from '../../src/service/index.js';
import { Store } from '../../src/store/index.js';
import { createTasks, type TaskManager, type TasksOptions } from '../../src/tasks/index.js';
import type { TestDatabase } from '../../src/testing/index.js';

/** A started service: store, jobs, scheduler and tasks on a test database. */
export interface TasksHarness {
  service: Service;
  store: Store<unknown>;
  jobs: JobQueue<unknown>;
  tasks: TaskManager<unknown>;
}

let managers = 0;

/** Starts a service on `database` with a manager of its own name (so test cases never run each other's tasks). */
export async function startTasks(
  database: Pick<TestDatabase, 'options' | 'dataDir'>,
  options: Omit<TasksOptions<unknown>, 'store' | 'jobs' | 'scheduler' | 'dataDir'> & { dataDir?: string },
  setup: { work?: boolean; name?: string; shutdownGraceMs?: number } = {},
): Promise<TasksHarness> {
  managers += 1;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const service = new Service({ name: 'tasks-test', logger, shutdownGraceMs: setup.shutdownGraceMs ?? 5000 });
  const store = new Store<unknown>(database.options);
  const jobs = new JobQueue<unknown>({ store, pollIntervalMs: 100, work: setup.work ?? true });
  const scheduler = createScheduler<unknown>({ store, jobs });
  const tasks = createTasks<unknown>({
    name: setup.name ?? `t${process.pid}x${managers}`,
    checkIntervalMs: 200,
    progressIntervalMs: 100,
    dataDir: database.dataDir,
    ...options,
    store,
    jobs,
    scheduler,
  });
  service.add(store).add(jobs).add(scheduler).add(tasks);
  await service.start();
  return { service, store, jobs, tasks };
}

/** A promise and its resolver. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves after `ms`, or rejects when `signal` aborts (with its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
