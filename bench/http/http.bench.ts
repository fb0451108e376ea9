// npm run bench:http — the planner's full HTTP stack against bare Fastify on the same authenticated
// route, in one run, alternating rounds so machine noise hits both alike.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const serversFile = fileURLToPath(new URL('./servers.ts', import.meta.url));

interface Started {
  child: ChildProcess;
  url: string;
  token: string;
}

async function startServer(which: 'keel' | 'bare'): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', serversFile, which], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const { url, token } = JSON.parse(chunk.toString().split('\n')[0]!) as { url: string; token: string };
  return { child, url, token };
}

interface Result {
  requests: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(server: Started, seconds: number): Promise<Result> {
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${server.token}` },
  });
  return { requests: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

const servers = { bare: await startServer('bare'), keel: await startServer('keel') };
try {
  // Warm both up (JIT, SQLite page cache) before measuring.
  await load(servers.bare, 2);
  await load(servers.keel, 2);
  const rounds: Record<'bare' | 'keel', Result[]> = { bare: [], keel: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const name of round % 2 === 0 ? (['bare', 'keel'] as const) : (['keel', 'bare'] as const)) {
      rounds[name].push(await load(servers[name], DURATION_S));
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const summary = (name: 'bare' | 'keel') => ({
    reqPerSec: median(rounds[name].map((r) => r.requests)),
    p99: median(rounds[name].map((r) => r.p99)),
    bad: rounds[name].reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  });
  const bare = summary('bare');
  const keel = summary('keel');
  // Each round loads both back to back, so a round's ratio sees one moment's machine noise.
  const ratios = rounds.keel.map((k, i) => k.requests / rounds.bare[i]!.requests);
  console.log(
    `bench:http  GET /api/v1/users/me (JWT verify + user lookup), autocannon ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S}s`,
  );
  for (const [i, ratio] of ratios.entries()) {
    console.log(
      `  round ${i + 1}: bare ${rounds.bare[i]!.requests.toFixed(0).padStart(6)} req/s, keel ${rounds.keel[i]!.requests.toFixed(0).padStart(6)} req/s, ratio ${ratio.toFixed(3)}`,
    );
  }
  console.log(
    `  bare Fastify (info logging, 1 line/request)  median ${bare.reqPerSec.toFixed(0).padStart(6)} req/s   p99 ${bare.p99} ms   non-2xx/errors ${bare.bad}`,
  );
  console.log(
    `  Keel planner (request id, logging, helmet, rate limit, metrics, zod)  median ${keel.reqPerSec.toFixed(0).padStart(6)} req/s   p99 ${keel.p99} ms   non-2xx/errors ${keel.bad}`,
  );
  console.log(`  ratio Keel / bare, median of rounds: ${median(ratios).toFixed(3)} (goal >= 0.85)`);
} finally {
  servers.bare.child.kill('SIGTERM');
  servers.keel.child.kill('SIGTERM');
}
