import { percentile, sleep, whenCount } from './common.js';
import type { ContenderKind, ContenderSetup, Place } from './contender.js';
import { pgProbe } from './pg-probe.js';

/** The workloads, by the letters of the issue. */
export const workloadNames = ['a', 'b', 'c', 'd', 'latency', 'big'] as const;
export type WorkloadName = (typeof workloadNames)[number];

/** A run's figures, by name (jobs/s, ms, ratios of counts). */
export type Figures = Record<string, number>;

const envNumber = (name: string, fallback: number): number => Number(process.env[name] || fallback);

export const CONCURRENCY = 10;
export const DRAIN_JOBS = 20_000;
export const IO_JOBS = 2_000;
export const IO_WAIT_MS = 5;
export const IO_CONCURRENCY = 50;
export const BIG_JOBS = 100_000;
export const STEADY_WARMUP_MS = envNumber('BENCH_STEADY_WARMUP_MS', 2000);
export const STEADY_WINDOW_MS = envNumber('BENCH_STEADY_WINDOW_MS', 4000);
/** Steady state: producers stop adding while this many jobs are unfinished. */
export const STEADY_BACKLOG = 10_000;
const STEADY_PRODUCERS = 2;
export const SINGLE_JOBS = 2_000;
export const SINGLE_PRODUCERS = 10;
export const LATENCY_SAMPLES = 300;
const LATENCY_WARMUP = 20;
// A polling peer takes up to its interval per sample: stop at this budget rather than at 300.
const LATENCY_BUDGET_MS = 15_000;

/** The concurrency a workload runs at. */
export const concurrencyOf = (workload: WorkloadName): number => (workload === 'c' ? IO_CONCURRENCY : CONCURRENCY);

type Run = (kind: ContenderKind, knob: number, place: Place) => Promise<Figures>;

/** Enqueues `count` jobs with no worker running, then times from the first job's start until the queue has none unfinished. */
async function drain(
  kind: ContenderKind,
  setup: Omit<ContenderSetup, 'body'>,
  count: number,
  waitMs: number,
  onSettled?: () => void,
): Promise<Figures> {
  let firstStart = 0;
  let done = 0;
  const contender = await kind.open({
    ...setup,
    body: async () => {
      if (firstStart === 0) firstStart = performance.now();
      if (waitMs > 0) await sleep(waitMs);
      done += 1;
    },
  });
  try {
    await contender.enqueueBulk(count);
    await contender.startWorkers();
    await whenCount(() => done, count, 240_000);
    const handlersMs = performance.now() - firstStart;
    // Handlers done is not jobs done: completions may still be on their way to the database.
    while ((await contender.unfinished()) > 0) await sleep(2);
    const ms = performance.now() - firstStart;
    onSettled?.();
    return { ms, jobsPerSecond: count / (ms / 1000), handlersMs };
  } finally {
    await contender.close();
  }
}

const backlog: Run = async (kind, knob, place) => {
  if (!kind.probeDatabase || !place.databaseName) {
    return drain(kind, { knob, concurrency: CONCURRENCY, place }, DRAIN_JOBS, 0);
  }
  const probe = pgProbe(place.databaseName);
  const figures = await drain(
    kind,
    { knob, concurrency: CONCURRENCY, place, beforeWorkers: probe.start },
    DRAIN_JOBS,
    0,
    probe.stopCounting,
  );
  const counts = await probe.finish();
  return {
    ...figures,
    roundTripsPerJob: counts.roundTrips / DRAIN_JOBS,
    transactionsPerJob: counts.transactions / DRAIN_JOBS,
  };
};

const steady: Run = async (kind, knob, place) => {
  let done = 0;
  let committed = 0;
  let producing = true;
  let paused: Promise<void> | undefined;
  let minBacklog = Number.POSITIVE_INFINITY;
  let watching = false;
  const contender = await kind.open({
    knob,
    concurrency: CONCURRENCY,
    place,
    body: () => {
      done += 1;
    },
  });
  try {
    await contender.startWorkers();
    const inFlight = new Set<Promise<void>>();
    const produce = async (): Promise<void> => {
      while (producing) {
        if (paused) await paused;
        if (watching) minBacklog = Math.min(minBacklog, committed - done);
        if (committed - done < STEADY_BACKLOG) {
          const batch = contender.enqueueBulk(1000).then(() => {
            committed += 1000;
          });
          inFlight.add(batch);
          await batch;
          inFlight.delete(batch);
        } else await sleep(1);
      }
    };
    // Jobs the library has finished (by its own count), read with the producers paused for a moment
    // so that every enqueue is counted; the workers keep draining the backlog meanwhile.
    const finished = async (): Promise<{ jobs: number; at: number }> => {
      let resume = (): void => undefined;
      paused = new Promise((resolve) => {
        resume = resolve;
      });
      await Promise.all(inFlight);
      const at = performance.now();
      const jobs = committed - (await contender.unfinished());
      paused = undefined;
      resume();
      return { jobs, at };
    };
    const producers = Array.from({ length: STEADY_PRODUCERS }, produce);
    await sleep(STEADY_WARMUP_MS);
    watching = true;
    const before = await finished();
    await sleep(STEADY_WINDOW_MS);
    const after = await finished();
    producing = false;
    await Promise.all(producers);
    return { jobsPerSecond: (after.jobs - before.jobs) / ((after.at - before.at) / 1000), minBacklog };
  } finally {
    await contender.close();
  }
};

const io: Run = (kind, knob, place) => drain(kind, { knob, concurrency: IO_CONCURRENCY, place }, IO_JOBS, IO_WAIT_MS);

const big: Run = (kind, knob, place) => drain(kind, { knob, concurrency: CONCURRENCY, place }, BIG_JOBS, 0);

const enqueue: Run = async (kind, knob, place) => {
  const contender = await kind.open({ knob, concurrency: CONCURRENCY, place, body: () => undefined });
  try {
    const bulkStart = performance.now();
    await contender.enqueueBulk(DRAIN_JOBS);
    const bulkMs = performance.now() - bulkStart;
    const singleStart = performance.now();
    const producer = async (): Promise<void> => {
      for (let i = 0; i < SINGLE_JOBS / SINGLE_PRODUCERS; i += 1) await contender.enqueueOne(true);
    };
    await Promise.all(Array.from({ length: SINGLE_PRODUCERS }, producer));
    const singleMs = performance.now() - singleStart;
    return { bulkPerSecond: DRAIN_JOBS / (bulkMs / 1000), singlePerSecond: SINGLE_JOBS / (singleMs / 1000) };
  } finally {
    await contender.close();
  }
};

const latency: Run = async (kind, knob, place) => {
  let startedAt = 0;
  let runs = 0;
  const contender = await kind.open({
    knob,
    concurrency: CONCURRENCY,
    place,
    body: () => {
      startedAt = performance.now();
      runs += 1;
    },
  });
  try {
    await contender.startWorkers();
    await sleep(300);
    const samples: number[] = [];
    const giveUpAt = performance.now() + LATENCY_BUDGET_MS;
    for (let i = 0; i < LATENCY_WARMUP + LATENCY_SAMPLES && performance.now() < giveUpAt; i += 1) {
      const before = performance.now();
      await contender.enqueueOne(false);
      await whenCount(() => runs, i + 1, 10_000);
      if (i >= LATENCY_WARMUP) samples.push(startedAt - before);
      // Idle between samples so each job meets a waiting worker.
      await sleep(5);
    }
    samples.sort((a, b) => a - b);
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), samples: samples.length };
  } finally {
    await contender.close();
  }
};

/** Each workload's run, in the runner process. */
export const workloads: Record<WorkloadName, Run> = { a: backlog, b: steady, c: io, d: enqueue, latency, big };
