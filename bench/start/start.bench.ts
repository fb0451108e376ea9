// npm run bench:start — time from spawning to the first 200 of /health/ready: `npm start` at the
// repository root (the quickstart), the built planner started directly, and a bare Fastify service.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Contender {
  name: string;
  command: string;
  args: string[];
  cwd: string;
}

const contenders: Contender[] = [
  { name: 'npm start (root)', command: 'npm', args: ['start', '--silent'], cwd: root },
  { name: 'node dist/main.js', command: process.execPath, args: ['dist/main.js'], cwd: join(root, 'examples/planner') },
  {
    name: 'bare Fastify',
    command: process.execPath,
    args: [fileURLToPath(new URL('./bare-fastify.mjs', import.meta.url))],
    cwd: root,
  },
];

// One start on a data folder of its own (the first start of a clone creates and migrates its database).
async function timeOneStart(contender: Contender): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keel-bench-start-'));
  const started = performance.now();
  const child = spawn(contender.command, contender.args, {
    cwd: contender.cwd,
    env: {
      ...process.env,
      PORT: '0',
      LOG_PRETTY: 'false',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const line = buffered.split('\n').find((l) => l.includes('"HTTP server listening"'));
        if (line) resolve(String((JSON.parse(line) as { url: string }).url));
      });
      void exited.then((code) => reject(new Error(`${contender.name} exited with ${code} before listening`)));
    });
    for (;;) {
      const response = await request(`${url}/health/ready`).catch(() => undefined);
      if (response) {
        await response.body.dump();
        if (response.statusCode === 200) return performance.now() - started;
      }
      if (performance.now() - started > 60_000) throw new Error(`${contender.name} was not ready within 60 s`);
      await sleep(5);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const medians = new Map<string, number>();
// Alternating contenders start by start, so machine noise hits each alike.
const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
for (let i = 0; i < STARTS; i += 1) {
  for (const contender of contenders) times.get(contender.name)!.push(await timeOneStart(contender));
}
console.log(
  `bench:start — time to the first 200 of /health/ready, median of ${STARTS} starts (fresh data folder each)`,
);
for (const contender of contenders) {
  const all = times.get(contender.name)!;
  medians.set(contender.name, median(all));
  console.log(
    `  ${contender.name.padEnd(20)} ${median(all).toFixed(0).padStart(6)} ms   (all: ${all.map((t) => t.toFixed(0)).join(', ')})`,
  );
}
const bare = medians.get('bare Fastify')!;
console.log(`  planner direct / bare Fastify: ${(medians.get('node dist/main.js')! / bare).toFixed(2)}x`);
