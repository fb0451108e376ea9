import { type ContenderName, contenderLabels, contenderNames } from './contenders/index.js';
import { best, figure, type Row } from './results.js';
import {
  BIG_JOBS,
  DRAIN_JOBS,
  IO_CONCURRENCY,
  IO_JOBS,
  IO_WAIT_MS,
  LATENCY_SAMPLES,
  SINGLE_JOBS,
  SINGLE_PRODUCERS,
  STEADY_BACKLOG,
  STEADY_WARMUP_MS,
  STEADY_WINDOW_MS,
  type WorkloadName,
} from './workloads.js';

const num = (value: number | undefined, digits = 0): string => (value === undefined ? '-' : value.toFixed(digits));
const ratio = (value: number | undefined, base: number | undefined): string =>
  value === undefined || base === undefined ? '-' : `x${(value / base).toFixed(2)}`;
const rss = (row: Row): string => `${row.reply.maxRssMb.toFixed(0)} MB`;

/** Prints aligned columns; a column whose header starts with '>' is right-aligned. */
function table(headers: string[], lines: string[][]): void {
  const right = headers.map((h) => h.startsWith('>'));
  const names = headers.map((h) => h.replace(/^>/, ''));
  const widths = names.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(format(names));
  for (const line of lines) console.log(format(line));
}

const titles: Partial<Record<WorkloadName, string>> = {
  a: `(a) Backlog drain: ${DRAIN_JOBS} no-op jobs enqueued with no worker running, then timed from the first job's start until the queue holds none unfinished; concurrency 10`,
  b: `(b) Steady state: 2 producers add batches of 1000 while fewer than ${STEADY_BACKLOG} jobs are unfinished; jobs/s finished (by the library's own count of unfinished jobs) over ${STEADY_WINDOW_MS} ms after ${STEADY_WARMUP_MS} ms of warm-up; concurrency 10`,
  c: `(c) I/O-like: ${IO_JOBS} jobs that each await a ${IO_WAIT_MS} ms timer, drained as in (a); concurrency ${IO_CONCURRENCY}`,
  big: `Keel on PostgreSQL, default settings, draining a backlog of ${BIG_JOBS} jobs as in (a)`,
};

function extra(workload: WorkloadName, row: Row): string {
  if (workload === 'a' && figure(row, 'roundTripsPerJob') !== undefined) {
    return `${num(figure(row, 'roundTripsPerJob'), 3)} round trips/job, ${num(figure(row, 'transactionsPerJob'), 3)} transactions/job`;
  }
  if (workload === 'b') return `backlog min ${num(figure(row, 'minBacklog'))}`;
  return '';
}

/** One throughput workload: every sweep row (its contender's best marked *), then the best of each. */
export function printThroughput(rows: readonly Row[], workload: WorkloadName): void {
  const mine = rows.filter((r) => r.workload === workload);
  if (mine.length === 0) return;
  console.log(`\n${titles[workload]}`);
  const graphileBest = figure(best(rows, workload, 'graphile', 'jobsPerSecond'), 'jobsPerSecond');
  const bullBest = figure(best(rows, workload, 'bullmq-redis', 'jobsPerSecond'), 'jobsPerSecond');
  const timed = workload !== 'b';
  const line = (row: Row, mark: string): string[] => {
    const value = figure(row, 'jobsPerSecond');
    return [
      mark,
      contenderLabels[row.contender],
      row.reply.settings,
      row.reply.ok ? num(value) : `failed: ${row.reply.error}`,
      ...(timed ? [num(figure(row, 'ms'))] : []),
      ratio(value, graphileBest),
      ratio(value, bullBest),
      rss(row),
      extra(workload, row),
    ];
  };
  const headers = [
    '',
    'contender',
    'settings',
    '>jobs/s',
    ...(timed ? ['>ms'] : []),
    '>/graphile best',
    '>/BullMQ Redis best',
    '>peak RSS',
    '',
  ];
  const bests = new Set(contenderNames.map((c) => best(rows, workload, c, 'jobsPerSecond')));
  table(
    headers,
    mine.map((row) => line(row, bests.has(row) ? '*' : '')),
  );
  if (workload === 'big') return;
  console.log('best of each:');
  table(
    headers,
    contenderNames.flatMap((c) => {
      const row = best(rows, workload, c, 'jobsPerSecond');
      return row ? [line(row, '*')] : [];
    }),
  );
}

/** (d) Enqueue throughput, bulk and single. */
export function printEnqueue(rows: readonly Row[]): void {
  const mine = rows.filter((r) => r.workload === 'd');
  if (mine.length === 0) return;
  console.log(
    `\n(d) Enqueue throughput, no worker running: ${DRAIN_JOBS} jobs through the bulk API in calls of 1000; ${SINGLE_JOBS} single jobs from ${SINGLE_PRODUCERS} concurrent producers, each in its own transaction`,
  );
  const of = (c: ContenderName, key: string) => figure(best(rows, 'd', c, key), key);
  table(
    [
      'contender',
      'bulk API',
      '>bulk jobs/s',
      '>/graphile',
      '>/BullMQ Redis',
      'single',
      '>single jobs/s',
      '>/graphile',
      '>/BullMQ Redis',
      '>peak RSS',
    ],
    mine.map((row) => {
      const bulk = figure(row, 'bulkPerSecond');
      const one = figure(row, 'singlePerSecond');
      return [
        contenderLabels[row.contender],
        row.reply.bulkEnqueue ?? '',
        row.reply.ok ? num(bulk) : `failed: ${row.reply.error}`,
        ratio(bulk, of('graphile', 'bulkPerSecond')),
        ratio(bulk, of('bullmq-redis', 'bulkPerSecond')),
        row.reply.singleEnqueue ?? '',
        num(one),
        ratio(one, of('graphile', 'singlePerSecond')),
        ratio(one, of('bullmq-redis', 'singlePerSecond')),
        rss(row),
      ];
    }),
  );
}

/** Enqueue-to-start latency of every contender. */
export function printLatency(rows: readonly Row[]): void {
  const mine = rows.filter((r) => r.workload === 'latency');
  if (mine.length === 0) return;
  console.log(
    `\nEnqueue-to-start latency: single jobs on an idle queue, ${LATENCY_SAMPLES} samples after 20 of warm-up, 5 ms idle between (at most 15 s of samples); peers at their best (a) settings`,
  );
  table(
    ['contender', 'settings', '>p50 ms', '>p99 ms', '>samples', '>peak RSS'],
    mine.map((row) => [
      contenderLabels[row.contender],
      row.reply.settings,
      row.reply.ok ? num(figure(row, 'p50'), 2) : `failed: ${row.reply.error}`,
      num(figure(row, 'p99'), 2),
      num(figure(row, 'samples')),
      rss(row),
    ]),
  );
}
