import { type ContenderName, contenderNames } from './contenders/index.js';
import { type WorkloadName, workloadNames } from './workloads.js';

/**
 * Each contender's batching knob, swept: Keel `prefetch` (0 is its default), graphile-worker
 * `localQueue.size`, pg-boss `batchSize` (one batch runs one job at a time per worker, so the I/O
 * workload needs small batches), BullMQ worker `concurrency` (fixed at the workload's 50 for I/O).
 */
const sweeps: Record<ContenderName, { throughput: number[]; io: number[] }> = {
  'keel-sqlite': { throughput: [0, 40, 490], io: [0, 40, 490] },
  'keel-pg': { throughput: [0, 40, 490], io: [0, 40, 490] },
  graphile: { throughput: [50, 200, 500], io: [50, 200, 500] },
  pgboss: { throughput: [100, 500, 1000], io: [10, 40, 100] },
  'bullmq-redis': { throughput: [10, 50, 200], io: [50] },
  'bullmq-pg': { throughput: [10, 50, 200], io: [50] },
};

/** `BENCH_QUICK=1`: only the last (largest) value of each sweep, to iterate. */
const quick = process.env.BENCH_QUICK === '1';

/** The knob values a workload runs a contender with (latency is planned from the backlog results). */
export function knobsFor(contender: ContenderName, workload: Exclude<WorkloadName, 'latency'>): number[] {
  const all = sweepOf(contender, workload);
  return quick ? all.slice(-1) : all;
}

function sweepOf(contender: ContenderName, workload: Exclude<WorkloadName, 'latency'>): number[] {
  const sweep = sweeps[contender];
  switch (workload) {
    case 'a':
    case 'b':
      return sweep.throughput;
    case 'c':
      return sweep.io;
    case 'd':
      // Enqueueing runs no worker: the knob does not matter.
      return [sweep.throughput[0]!];
    case 'big':
      return contender === 'keel-pg' ? [0] : [];
  }
}

/** The first throughput knob: used for latency when the backlog drain did not run. */
export const defaultKnob = (contender: ContenderName): number => sweeps[contender].throughput[0]!;

function listFromEnv<T extends string>(
  name: string,
  all: readonly T[],
  matches: (entry: string, item: T) => boolean,
): T[] {
  const raw = process.env[name]?.trim();
  if (!raw) return [...all];
  const entries = raw.split(',').map((s) => s.trim());
  const chosen = all.filter((item) => entries.some((entry) => matches(entry, item)));
  if (chosen.length === 0) throw new Error(`${name}=${raw} selects nothing; choose from ${all.join(', ')}`);
  return chosen;
}

/** `BENCH_WORKLOADS=a,b,c,d,latency,big` (default all). */
export const selectedWorkloads = listFromEnv('BENCH_WORKLOADS', workloadNames, (entry, name) => entry === name);

/** `BENCH_CONTENDERS=keel,graphile,pgboss,bullmq` or exact names such as `keel-pg` (default all). */
export const selectedContenders = listFromEnv(
  'BENCH_CONTENDERS',
  contenderNames,
  (entry, name) => entry === name || name.startsWith(`${entry}-`),
);
