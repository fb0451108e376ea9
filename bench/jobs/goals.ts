import type { ContenderName } from './contenders/index.js';
import { best, figure, type Row, runOf } from './results.js';
import type { WorkloadName } from './workloads.js';

/** One goal of the issue, as measured in this run; `pass` is undefined when its runs did not happen. */
interface Goal {
  text: string;
  measured: string;
  pass: boolean | undefined;
}

function ratioGoal(
  rows: readonly Row[],
  text: string,
  [workload, key]: [WorkloadName, string],
  keel: ContenderName,
  peer: ContenderName,
  atLeast: number,
): Goal {
  const mine = figure(runOf(rows, workload, keel, 0), key);
  const theirs = figure(best(rows, workload, peer, key), key);
  if (mine === undefined || theirs === undefined) return { text, measured: 'not run', pass: undefined };
  const r = mine / theirs;
  return { text, measured: `x${r.toFixed(2)} (${mine.toFixed(0)} vs ${theirs.toFixed(0)})`, pass: r >= atLeast };
}

function latencyGoal(rows: readonly Row[], text: string, keel: ContenderName, key: 'p50' | 'p99', below: number): Goal {
  const value = figure(runOf(rows, 'latency', keel, 0), key);
  if (value === undefined) return { text, measured: 'not run', pass: undefined };
  return { text, measured: `${value.toFixed(2)} ms`, pass: value < below };
}

/** The goals, each with its measured ratio or time. */
export function goals(rows: readonly Row[]): Goal[] {
  const throughput: Goal[] = (['a', 'b'] as const).flatMap((w) => [
    ratioGoal(
      rows,
      `(${w}) Keel PostgreSQL default >= 1.2x graphile-worker best`,
      [w, 'jobsPerSecond'],
      'keel-pg',
      'graphile',
      1.2,
    ),
    ratioGoal(
      rows,
      `(${w}) Keel PostgreSQL default >= 1.0x BullMQ 6 Redis best`,
      [w, 'jobsPerSecond'],
      'keel-pg',
      'bullmq-redis',
      1,
    ),
    ratioGoal(
      rows,
      `(${w}) Keel SQLite default >= 1.5x graphile-worker best`,
      [w, 'jobsPerSecond'],
      'keel-sqlite',
      'graphile',
      1.5,
    ),
  ]);
  return [
    ...throughput,
    ratioGoal(
      rows,
      '(d) Keel PostgreSQL enqueueMany >= 1.0x graphile-worker addJobs',
      ['d', 'bulkPerSecond'],
      'keel-pg',
      'graphile',
      1,
    ),
    latencyGoal(rows, 'latency p50 Keel SQLite < 2 ms', 'keel-sqlite', 'p50', 2),
    latencyGoal(rows, 'latency p50 Keel PostgreSQL < 5 ms', 'keel-pg', 'p50', 5),
    latencyGoal(rows, 'latency p99 Keel SQLite < 10 ms', 'keel-sqlite', 'p99', 10),
    latencyGoal(rows, 'latency p99 Keel PostgreSQL < 10 ms', 'keel-pg', 'p99', 10),
  ];
}

/** Prints the goals section. */
export function printGoals(rows: readonly Row[]): void {
  console.log('\nGoals (issue 13), Keel at its default settings:');
  const all = goals(rows);
  const width = Math.max(...all.map((g) => g.text.length));
  for (const goal of all) {
    const verdict = goal.pass === undefined ? '----' : goal.pass ? 'PASS' : 'MISS';
    console.log(`${verdict}  ${goal.text.padEnd(width)}  ${goal.measured}`);
  }
}
