// npm run bench:http-client: one JSON GET on loopback through Keel's client, a raw undici Pool,
// got 14 and axios, in one run: many short alternating rounds (the order rotates) so the noise of a
// shared machine, which comes in bursts of a second or more, hits all alike; the ratios are the
// medians of the per-round ratios. The origin is a node:http server in a separate process.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Contender, contenders } from './contenders.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 50);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);

async function startOrigin(): Promise<{ child: ChildProcess; url: string }> {
  const file = fileURLToPath(new URL('./server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, url: (JSON.parse(chunk.toString().split('\n')[0]!) as { url: string }).url };
}

// IN_FLIGHT loops, each sending its next request when its last one is answered, for `ms`.
async function load(contender: Contender, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let done = 0;
  const loop = async () => {
    while (performance.now() < until) {
      await contender.get();
      done += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  return done / ((performance.now() - started) / 1000);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const origin = await startOrigin();
const all = contenders(origin.url, CONNECTIONS);
try {
  for (const contender of all) await load(contender, 1000); // warm-up: JIT, sockets
  const results = new Map<string, number[]>(all.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = all.map((_, i) => all[(i + round) % all.length]!);
    for (const contender of order) results.get(contender.name)!.push(await load(contender, ROUND_MS));
  }
  const keel = results.get('keel')!;
  const ratioTo = (name: string) => median(keel.map((k, i) => k / results.get(name)![i]!));
  console.log(
    `bench:http-client  JSON GET on loopback (origin in its own process), ${CONNECTIONS} connections, ${IN_FLIGHT} in flight, ${ROUNDS} alternating rounds of ${ROUND_MS} ms`,
  );
  // Each round's req/s, by contender: the quartiles show how noisy the run was.
  const quartiles = (values: number[], digits = 0) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return `${at(0.25).toFixed(digits)}..${at(0.75).toFixed(digits)}`;
  };
  for (const contender of all) {
    const rounds = results.get(contender.name)!;
    console.log(
      `  ${contender.name.padEnd(7)} median ${median(rounds).toFixed(0).padStart(6)} req/s  (middle half of rounds ${quartiles(rounds)})`,
    );
  }
  const raw = ratioTo('undici');
  const rawRounds = keel.map((k, i) => k / results.get('undici')![i]!);
  console.log(
    `  ratio Keel / raw undici Pool, median of rounds: ${raw.toFixed(3)} (goal >= 0.90; middle half ${quartiles(rawRounds, 3)}): Keel's overhead ${((1 / raw - 1) * 100).toFixed(1)}%`,
  );
  console.log(`  ratio Keel / got 14, median of rounds:          ${ratioTo('got').toFixed(3)} (goal > 1)`);
  console.log(`  ratio Keel / axios, median of rounds:           ${ratioTo('axios').toFixed(3)} (goal > 1)`);
} finally {
  for (const contender of all) await contender.close();
  origin.child.kill('SIGTERM');
}
