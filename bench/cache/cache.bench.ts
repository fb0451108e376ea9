// npm run bench:cache — Keel's cache against raw bentocache (configured the same) and cache-manager with
// @keyv/redis, in one run: memory-tier hits, Redis-tier hits and misses that run a loader. Each round
// builds fresh caches; rounds alternate contenders so machine noise hits all alike; the best round counts.
import { benchPrefix, type Contender, contenders } from './contenders.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HOT_OPS = Number(process.env.BENCH_HOT_OPS ?? 200_000);
const KEYS = Number(process.env.BENCH_KEYS ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const value = { id: 42, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'editor'] };
const loader = async () => value;

type Scenario = 'memory hit' | 'redis hit' | 'miss + loader';
type Make = (prefix: string) => Promise<Contender>;

// Runs `ops` calls, `CONCURRENCY` at a time, and answers ops/s.
async function drive(ops: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ops) {
        const i = next;
        next += 1;
        await call(i);
      }
    }),
  );
  return ops / ((performance.now() - started) / 1000);
}

async function measure(make: Make, scenario: Scenario): Promise<number> {
  const prefix = benchPrefix(scenario.replace(/\W+/g, ''));
  const reader = await make(prefix);
  try {
    if (scenario === 'memory hit') {
      await reader.getOrSet('hot', loader);
      return await drive(HOT_OPS, () => reader.getOrSet('hot', loader));
    }
    if (scenario === 'redis hit') {
      const writer = await make(prefix);
      for (let i = 0; i < KEYS; i += 1) await writer.set(`k${i}`, value);
      await writer.close();
      return await drive(KEYS, (i) => reader.getOrSet(`k${i}`, loader));
    }
    return await drive(KEYS, (i) => reader.getOrSet(`miss${i}`, loader));
  } finally {
    await reader.close();
  }
}

const scenarios: Scenario[] = ['memory hit', 'redis hit', 'miss + loader'];
const names = ['keel', 'bento', 'cacheManager'] as const;
const best = new Map<string, number>();

console.log(`bench:cache — ${ROUNDS} rounds, ${HOT_OPS} memory-hit ops, ${KEYS} keys, concurrency ${CONCURRENCY}`);
for (const make of names)
  console.log(
    `  ${make}: ${await contenders[make](benchPrefix('settings')).then(async (c) => {
      await c.close();
      return c.settings;
    })}`,
  );
for (let round = 1; round <= ROUNDS; round += 1) {
  for (const scenario of scenarios) {
    for (const name of round % 2 === 0 ? [...names].reverse() : names) {
      const opsPerSecond = await measure(contenders[name], scenario);
      const id = `${scenario}|${name}`;
      best.set(id, Math.max(best.get(id) ?? 0, opsPerSecond));
    }
  }
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);
for (const scenario of scenarios) {
  const k = best.get(`${scenario}|keel`)!;
  const b = best.get(`${scenario}|bento`)!;
  const c = best.get(`${scenario}|cacheManager`)!;
  const overhead = ((b / k - 1) * 100).toFixed(1);
  console.log(
    `${scenario.padEnd(14)} keel ${fmt(k)} ops/s | bentocache ${fmt(b)} ops/s | cache-manager ${fmt(c)} ops/s | keel/bentocache ${(k / b).toFixed(2)} (overhead ${overhead}%) | keel/cache-manager ${(k / c).toFixed(2)}`,
  );
}
process.exit(0);
