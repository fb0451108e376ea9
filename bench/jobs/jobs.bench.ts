// npm run bench:jobs: Keel's job queue beside graphile-worker, pg-boss and BullMQ 6 (Redis and PostgreSQL),
// each tuned as its docs advise for throughput with its batching knob swept, every run in a process of its
// own (fresh database, own peak RSS). Parts: BENCH_WORKLOADS=a,b,c,d,latency,big BENCH_CONTENDERS=keel,graphile,...
import { type ContenderName, contenderLabels } from './contenders/index.js';
import { printGoals } from './goals.js';
import { defaultKnob, knobsFor, selectedContenders, selectedWorkloads } from './plan.js';
import { printEnqueue, printLatency, printThroughput } from './report.js';
import { best, type Row } from './results.js';
import { runChild } from './run-child.js';
import type { WorkloadName } from './workloads.js';

const startedAt = performance.now();
const rows: Row[] = [];

async function run(workload: WorkloadName, contender: ContenderName, knob: number): Promise<void> {
  const reply = await runChild({ workload, contender, knob });
  rows.push({ workload, contender, knob, reply });
  const shown = reply.ok
    ? Object.entries(reply.figures)
        .map(([k, v]) => `${k} ${v.toFixed(v < 1 ? 3 : v < 100 ? 2 : 0)}`)
        .join(', ')
    : `FAILED ${reply.error}`;
  const elapsed = ((performance.now() - startedAt) / 1000).toFixed(0);
  console.error(`  [${elapsed} s] ${workload} ${contenderLabels[contender]} (${reply.settings}): ${shown}`);
}

// Latency: each peer at the settings of its best backlog drain, Keel at its default too.
function latencyKnobs(contender: ContenderName): number[] {
  const found = best(rows, 'a', contender, 'jobsPerSecond')?.knob ?? defaultKnob(contender);
  return contender.startsWith('keel') && found !== 0 ? [0, found] : [found];
}

for (const workload of selectedWorkloads) {
  for (const contender of selectedContenders) {
    const knobs = workload === 'latency' ? latencyKnobs(contender) : knobsFor(contender, workload);
    for (const knob of knobs) await run(workload, contender, knob);
  }
}

console.log(
  'Jobs benchmark (one run on this machine; ratios are to the best figure of graphile-worker / BullMQ 6 Redis in this run)',
);
for (const workload of ['a', 'b', 'c'] as const) printThroughput(rows, workload);
printEnqueue(rows);
printLatency(rows);
printThroughput(rows, 'big');
const bigRss = rows.find((r) => r.workload === 'big')?.reply.maxRssMb;
const smallRss = rows.find((r) => r.workload === 'a' && r.contender === 'keel-pg' && r.knob === 0)?.reply.maxRssMb;
if (bigRss !== undefined && smallRss !== undefined) {
  console.log(`peak RSS draining 100,000 jobs ${bigRss.toFixed(0)} MB vs 20,000 jobs ${smallRss.toFixed(0)} MB`);
}
printGoals(rows);
console.log(`\nTotal time ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
