import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { z } from 'zod';
import { defineJob, JobQueue } from '../../src/jobs/index.js';
import { Service } from '../../src/service/index.js';
import { type Kysely, Store, type StoreConnectionOptions, sql } from '../../src/store/index.js';

const fixture = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));

/** The `exec` job type as producers see it (its handler lives in the worker fixture). */
export const exec = defineJob({
  name: 'exec',
  payload: z.object({ n: z.number() }),
  handler: async () => {
    throw new Error('exec runs in the worker fixture only');
  },
});

/** Starts the worker fixture and resolves once it is ready. */
export async function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker ${env.WORKER_NAME} exited with ${code} before ready`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return child;
}

/** Stops a child at once (SIGKILL) and waits for it to be gone. */
export async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await gone;
}

/** A producer-only service (store + queue that runs nothing) on the test database. */
export async function startProducer(options: StoreConnectionOptions) {
  const service = new Service({ name: 'producer', logger: pino({ level: 'silent' }) });
  const store = new Store<unknown>(options);
  const jobs = new JobQueue<unknown>({ store, types: [exec], work: false });
  service.add(store).add(jobs);
  await service.start();
  return { service, store, jobs };
}

/** One recorded execution of a job. */
export interface Execution {
  job_id: string;
  worker: string;
  attempt: number;
  started_at: number;
  finished_at: number | null;
}

/** Every execution the workers recorded. */
export async function executions(db: Kysely<unknown>): Promise<Execution[]> {
  const { rows } = await sql<Execution>`select * from execution order by started_at`.execute(db);
  return rows.map((r) => ({
    ...r,
    attempt: Number(r.attempt),
    started_at: Number(r.started_at),
    finished_at: r.finished_at === null ? null : Number(r.finished_at),
  }));
}

/** Pairs of executions of one job whose run times overlap (`killedAt` ends those cut by a kill). */
export function overlaps(all: readonly Execution[], killedAt = Number.POSITIVE_INFINITY): [Execution, Execution][] {
  const byJob = new Map<string, Execution[]>();
  for (const e of all) byJob.set(e.job_id, [...(byJob.get(e.job_id) ?? []), e]);
  const found: [Execution, Execution][] = [];
  for (const runs of byJob.values()) {
    for (let i = 0; i < runs.length; i += 1) {
      for (let j = i + 1; j < runs.length; j += 1) {
        const a = runs[i]!;
        const b = runs[j]!;
        const aEnd = a.finished_at ?? killedAt;
        const bEnd = b.finished_at ?? killedAt;
        if (a.started_at < bEnd && b.started_at < aEnd) found.push([a, b]);
      }
    }
  }
  return found;
}
