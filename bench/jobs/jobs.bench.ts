// Keel's job queue beside graphile-worker, pg-boss and BullMQ: 20,000 no-op jobs, concurrency 10, one run.
import { bullmqThroughput } from './bullmq.js';
import { JOBS, type Throughput } from './common.js';
import { graphileThroughput } from './graphile.js';
import { keelLatency, keelThroughput } from './keel.js';
import { pgBossThroughput } from './pgboss.js';

const results: Throughput[] = [];
const step = async (run: () => Promise<Throughput>): Promise<void> => {
  const result = await run();
  results.push(result);
  console.error(`  done: ${result.name}`);
};

console.log(`Jobs benchmark: enqueue and complete ${JOBS} no-op jobs (one run, this machine)\n`);
await step(() => keelThroughput('sqlite'));
await step(() => keelThroughput('sqlite', 40));
await step(() => keelThroughput('postgres'));
await step(() => keelThroughput('postgres', 40));
await step(() => graphileThroughput(undefined));
await step(() => graphileThroughput(50));
await step(() => pgBossThroughput());
await step(() => bullmqThroughput());

const graphile = results.find((r) => r.name === 'graphile-worker')!;
const graphileBatched = results.find((r) => r.name === 'graphile-worker (localQueue)')!;
for (const r of results) {
  console.log(
    `${r.name.padEnd(30)} ${r.jobsPerSecond.toFixed(0).padStart(7)} jobs/s` +
      `  (enqueue ${r.enqueueMs.toFixed(0)} ms, total ${r.totalMs.toFixed(0)} ms)` +
      `  ×${(r.jobsPerSecond / graphile.jobsPerSecond).toFixed(2)} of graphile-worker` +
      `  ×${(r.jobsPerSecond / graphileBatched.jobsPerSecond).toFixed(2)} of graphile-worker (localQueue)` +
      `  [${r.settings}]`,
  );
}

console.log('\nEnqueue-to-start latency, single jobs on an idle queue (300 samples):');
for (const dialect of ['sqlite', 'postgres'] as const) {
  const { p50, p99 } = await keelLatency(dialect);
  console.log(
    `Keel (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`.padEnd(30) +
      ` p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms`,
  );
}
process.exit(0);
