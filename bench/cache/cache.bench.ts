// npm run bench:cache — Keel's cache against raw bentocache (configured the same) and cache-manager with
// @keyv/redis, in one run: memory-tier hits, Redis-tier hits and misses that run a loader.
//
// This machine is shared and its speed drifts by tens of percent within seconds, so contenders are not
// measured one after another: all of a scenario's caches are live at once and the run alternates short
// slices between them (rotating who goes first), each slice starting from a collected heap so one
// contender's garbage is not another's pause. A contender's figure is its ops over its summed slice time;
// each slice also gives a Keel/peer ratio, whose spread is printed beside the overall ratio.
import { Redis } from 'ioredis';
import { benchPrefix, type Contender, contenders, REDIS_URL } from './contenders.js';

const SLICES = Number(process.env.BENCH_SLICES ?? 12);
const HOT_OPS = Number(process.env.BENCH_HOT_OPS ?? 50_000);
const KEYS = Number(process.env.BENCH_KEYS ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const value = { id: 42, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'editor'] };
const loader = async () => value;

type Scenario = 'memory hit' | 'redis hit' | 'miss + loader';
const names = ['keel', 'bento', 'cacheManager'] as const;
type Name = (typeof names)[number];

/** One contender's part in a scenario: what one slice runs. */
interface Runner {
  prepare(): Promise<void>;
  slice(index: number): (i: number) => Promise<unknown>;
  ops: number;
}

// Runs `ops` calls, `CONCURRENCY` at a time, and answers the seconds taken.
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
  return (performance.now() - started) / 1000;
}

// Run with --expose-gc (the npm script does).
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function runner(scenario: Scenario, reader: Contender, writer: Contender | undefined): Runner {
  if (scenario === 'memory hit') {
    return {
      prepare: async () => void (await reader.getOrSet('hot', loader)),
      slice: () => () => reader.getOrSet('hot', loader),
      ops: HOT_OPS,
    };
  }
  if (scenario === 'redis hit') {
    // Another instance wrote every key: the reader's memory tier is empty, its Redis tier is not.
    return {
      prepare: async () => {
        await drive(SLICES * KEYS, (i) => writer!.set(`k${i}`, value));
        await writer!.close();
      },
      slice: (index) => (i) => reader.getOrSet(`k${index * KEYS + i}`, loader),
      ops: KEYS,
    };
  }
  return {
    prepare: async () => undefined,
    slice: (index) => (i) => reader.getOrSet(`miss${index * KEYS + i}`, loader),
    ops: KEYS,
  };
}

const admin = new Redis(REDIS_URL);
// A scenario leaves up to SLICES x KEYS entries per contender: removed at once so Redis does not grow.
async function dropKeys(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    if (keys.length > 0) await admin.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Seconds per slice, by contender. */
async function runScenario(scenario: Scenario): Promise<Record<Name, number[]>> {
  const live = await Promise.all(
    names.map(async (name) => {
      const prefix = benchPrefix(`${name}-${scenario.replace(/\W+/g, '')}`);
      const reader = await contenders[name](prefix);
      const writer = scenario === 'redis hit' ? await contenders[name](prefix) : undefined;
      return { name, prefix, reader, run: runner(scenario, reader, writer) };
    }),
  );
  const seconds = { keel: [], bento: [], cacheManager: [] } as Record<Name, number[]>;
  try {
    for (const { run } of live) await run.prepare();
    for (let index = 0; index < SLICES; index += 1) {
      const order = live.slice(index % live.length).concat(live.slice(0, index % live.length));
      for (const { name, run } of order) {
        collectGarbage();
        seconds[name].push(await drive(run.ops, run.slice(index)));
      }
    }
  } finally {
    for (const { reader, prefix } of live) {
      await reader.close();
      await dropKeys(prefix);
    }
  }
  return seconds;
}

const scenarios: Scenario[] = ['memory hit', 'redis hit', 'miss + loader'];
console.log(
  `bench:cache — ${SLICES} alternating slices per contender: ${HOT_OPS} memory-hit ops or ${KEYS} keys per slice, concurrency ${CONCURRENCY}`,
);
for (const name of names) {
  const c = await contenders[name](benchPrefix('settings'));
  await c.close();
  console.log(`  ${name}: ${c.settings}`);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
console.log('ops/s over all slices; keel/peer = ratio of those (median and range of per-slice ratios)');
for (const scenario of scenarios) {
  const seconds = await runScenario(scenario);
  const opsPerSlice = scenario === 'memory hit' ? HOT_OPS : KEYS;
  const rate = (name: Name) => (opsPerSlice * SLICES) / sum(seconds[name]);
  const compare = (peer: Name) => {
    const perSlice = seconds.keel.map((s, i) => seconds[peer][i]! / s);
    return `${(rate('keel') / rate(peer)).toFixed(2)} (slices ${median(perSlice).toFixed(2)}, ${Math.min(...perSlice).toFixed(2)}-${Math.max(...perSlice).toFixed(2)})`;
  };
  const overhead = ((rate('bento') / rate('keel') - 1) * 100).toFixed(1);
  console.log(
    `${scenario.padEnd(14)} keel ${fmt(rate('keel'))} | bentocache ${fmt(rate('bento'))} | cache-manager ${fmt(rate('cacheManager'))} | keel/bentocache ${compare('bento')}, overhead ${overhead}% | keel/cache-manager ${compare('cacheManager')}`,
  );
}
process.exit(0);
