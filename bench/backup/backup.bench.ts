// npm run bench:backup — p99 of the planner's reads (GET /api/v1/events) on a ~1 GB SQLite database,
// without a backup and while POST /admin/backups copies it; the goal is a ratio within 2x.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { request } from 'undici';
import { seedPlannerDatabase } from './seed.js';

const MEGABYTES = Number(process.env.BENCH_BACKUP_MB ?? 1024);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const serverFile = fileURLToPath(new URL('./server.ts', import.meta.url));

interface Started {
  child: ChildProcess;
  url: string;
  token: string;
  userId: string;
}

async function startPlanner(mode: 'prepare' | 'serve', dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverFile, mode, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, ...(JSON.parse(chunk.toString().split('\n')[0]!) as Omit<Started, 'child'>) };
}

interface Load {
  p99: number;
  p999: number;
  max: number;
  requests: number;
  bad: number;
  seconds: number;
  /** The planner's longest event-loop stall in the window (prom-client's lag max, reset by each scrape). */
  loopMaxMs: number;
}

/** Scrapes the planner's /metrics: its event-loop lag max since the previous scrape, in ms. */
async function eventLoopMaxMs(planner: Started): Promise<number> {
  const response = await request(`${planner.url}/metrics`);
  const text = await response.body.text();
  const line = text.split('\n').find((l) => l.startsWith('nodejs_eventloop_lag_max_seconds'));
  return line ? Number(line.split(' ').at(-1)) * 1000 : Number.NaN;
}

/** Loads the read route until `until` settles (or for `seconds`). */
async function load(planner: Started, seconds: number, until?: Promise<unknown>): Promise<Load> {
  await eventLoopMaxMs(planner);
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${planner.url}/api/v1/events?limit=20`,
        connections: CONNECTIONS,
        duration: until ? 3600 : seconds,
        headers: { authorization: `Bearer ${planner.token}` },
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    const stop = (): void => instance.stop();
    if (until) until.then(stop, stop);
  });
  return {
    loopMaxMs: await eventLoopMaxMs(planner),
    p99: result.latency.p99,
    p999: result.latency.p99_9,
    max: result.latency.max,
    requests: result.requests.total,
    bad: result.non2xx + result.errors + result.timeouts,
    seconds: (performance.now() - started) / 1000,
  };
}

async function backup(planner: Started): Promise<{ ms: number; size: number; file: string }> {
  const started = performance.now();
  const response = await request(`${planner.url}/admin/backups`, {
    method: 'POST',
    headers: { authorization: `Bearer ${planner.token}` },
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const body = (await response.body.json()) as { file: string; size: number };
  if (response.statusCode !== 201) throw new Error(`backup answered ${response.statusCode}: ${JSON.stringify(body)}`);
  return { ms: performance.now() - started, size: body.size, file: body.file };
}

const dataDir = mkdtempSync(join(tmpdir(), 'keel-bench-backup-'));
let planner: Started | undefined;
try {
  const prepared = await startPlanner('prepare', dataDir);
  await once(prepared.child, 'exit');
  const seedStarted = performance.now();
  const dbBytes = seedPlannerDatabase(join(dataDir, 'keel.db'), prepared.userId, MEGABYTES);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  planner = await startPlanner('serve', dataDir);
  const check = await request(`${planner.url}/api/v1/events?limit=20`, {
    headers: { authorization: `Bearer ${planner.token}` },
  });
  const page = (await check.body.json()) as { items: unknown[] };
  if (check.statusCode !== 200 || page.items.length !== 20)
    throw new Error(`the read route answered ${check.statusCode}`);

  await load(planner, 3); // warm-up: JIT, SQLite page cache
  const rounds: { base: Load; during: Load; backup: { ms: number; size: number } }[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const base = await load(planner, DURATION_S);
    const running = backup(planner);
    const during = await load(planner, 0, running);
    const taken = await running;
    // Only the bench's own file: keep one 1 GB copy on disk at a time.
    rmSync(join(dataDir, 'backups', taken.file), { force: true });
    rounds.push({ base, during, backup: taken });
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const worst = (values: number[]): number => Math.max(...values);
  const baseP99 = median(rounds.map((r) => r.base.p99));
  const duringP99 = worst(rounds.map((r) => r.during.p99));
  const backupSeconds = median(rounds.map((r) => r.backup.ms / 1000));
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
  console.log(
    `bench:backup  GET /api/v1/events?limit=20 on a ${mb(dbBytes)} MB planner SQLite database (seeded in ${seedSeconds.toFixed(1)} s), autocannon ${CONNECTIONS} connections, ${ROUNDS} rounds`,
  );
  for (const [i, r] of rounds.entries()) {
    const show = (l: Load): string =>
      `p99 ${l.p99} ms, p99.9 ${l.p999} ms, max ${l.max} ms, event-loop stall max ${l.loopMaxMs.toFixed(0)} ms (${l.requests} req in ${l.seconds.toFixed(1)} s, bad ${l.bad})`;
    console.log(`  round ${i + 1} without backup: ${show(r.base)}`);
    console.log(`  round ${i + 1} during backup:  ${show(r.during)}`);
    console.log(`  round ${i + 1} backup: ${(r.backup.ms / 1000).toFixed(1)} s, ${mb(r.backup.size)} MB`);
  }
  const ratio = duringP99 / baseP99;
  console.log(`  p99 without backup (median): ${baseP99} ms; p99 during backup (worst round): ${duringP99} ms`);
  console.log(`  backup duration (median): ${backupSeconds.toFixed(1)} s, size ${mb(rounds[0]!.backup.size)} MB`);
  console.log(`  ratio during / without: ${ratio.toFixed(2)} (goal <= 2) ${ratio <= 2 ? 'PASS' : 'FAIL'}`);
} finally {
  if (planner) {
    planner.child.kill('SIGTERM');
    await once(planner.child, 'exit');
  }
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`  removed ${dataDir}`);
}
