// One run of one contender on one workload, in a process of its own (its peak RSS is its own).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase } from './common.js';
import type { Place } from './contender.js';
import { type ContenderName, loadContender } from './contenders/index.js';
import { concurrencyOf, type Figures, type WorkloadName, workloads } from './workloads.js';

/** What the parent asks of a runner. */
export interface RunRequest {
  contender: ContenderName;
  knob: number;
  workload: WorkloadName;
}

/** What a runner answers. */
export type RunReply = { settings: string; maxRssMb: number; bulkEnqueue?: string; singleEnqueue?: string } & (
  | { ok: true; figures: Figures }
  | { ok: false; error: string }
);

async function main(request: RunRequest): Promise<RunReply> {
  const kind = await loadContender(request.contender);
  const settings = kind.describe(request.knob, concurrencyOf(request.workload));
  const database = kind.storage === 'postgres' ? await freshDatabase(request.contender) : undefined;
  const dataDir = kind.storage === 'sqlite' ? mkdtempSync(join(tmpdir(), 'keel-bench-jobs-')) : undefined;
  const place: Place = {
    databaseUrl: database?.url,
    databaseName: database?.name,
    dataDir,
    redisPrefix: `bench-jobs-${randomBytes(4).toString('hex')}`,
  };
  const about = { settings, bulkEnqueue: kind.bulkEnqueue, singleEnqueue: kind.singleEnqueue };
  const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;
  try {
    const figures = await workloads[request.workload](kind, request.knob, place);
    return { ok: true, ...about, figures, maxRssMb: maxRssMb() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, ...about, error: message, maxRssMb: maxRssMb() };
  } finally {
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

const reply = await main(JSON.parse(process.argv[2]!) as RunRequest);
// Some libraries leave timers behind after close: the reply is sent, then the process ends.
process.send!(reply, () => process.exit(0));
