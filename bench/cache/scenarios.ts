// What each bench:cache scenario does, for one contender.
import type { Contender } from './contenders.js';

export type Scenario = 'memory getOrSet' | 'memory get' | 'redis hit' | 'miss + loader';
const allScenarios: Scenario[] = ['memory getOrSet', 'memory get', 'redis hit', 'miss + loader'];
// BENCH_SCENARIOS="redis hit,miss + loader" runs only those (to repeat one when comparing changes).
export const scenarios: Scenario[] = process.env.BENCH_SCENARIOS
  ? allScenarios.filter((s) => process.env.BENCH_SCENARIOS!.split(',').includes(s))
  : allScenarios;

export const SLICES = Number(process.env.BENCH_SLICES ?? 50);
// Memory hits run for about this long per slice: each contender's count of calls is calibrated to it.
export const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 100);
// Keys read per slice of the Redis-hit and miss scenarios (each key once: it is in memory afterwards).
export const REDIS_KEYS = Number(process.env.BENCH_REDIS_KEYS ?? 2_000);
export const MISS_KEYS = Number(process.env.BENCH_MISS_KEYS ?? 1_000);
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

const value = { id: 42, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'editor'] };
const loader = async () => value;

/** One contender's part in a scenario: what one slice runs. */
export interface ScenarioWork {
  prepare(): Promise<void>;
  slice(index: number): (i: number) => Promise<unknown>;
  /** Calls per slice; `undefined` when calibrated to {@link SLICE_MS}. */
  ops: number | undefined;
}

/** Runs `ops` calls, `CONCURRENCY` at a time, and answers the seconds taken. */
export async function drive(ops: number, call: (i: number) => Promise<unknown>): Promise<number> {
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

/**
 * Calls per slice: for memory hits, as many as take about `SLICE_MS`, found by running doubling
 * counts until one takes twice that (which also warms the code up); else one warm-up slice of keys
 * no timed slice reads, then the scenario's own count.
 */
export async function calibrate(work: ScenarioWork): Promise<number> {
  if (work.ops !== undefined) {
    await drive(work.ops, work.slice(SLICES));
    return work.ops;
  }
  let ops = 1_000;
  for (;;) {
    const seconds = await drive(ops, work.slice(0));
    if (seconds * 1000 >= SLICE_MS * 2 || ops >= 10_000_000)
      return Math.max(1_000, Math.round((ops / seconds) * (SLICE_MS / 1000)));
    ops *= 2;
  }
}

export function scenarioWork(scenario: Scenario, reader: Contender, writer: Contender | undefined): ScenarioWork {
  if (scenario === 'memory getOrSet') {
    return {
      prepare: async () => void (await reader.getOrSet('hot', loader)),
      slice: () => () => reader.getOrSet('hot', loader),
      ops: undefined,
    };
  }
  if (scenario === 'memory get') {
    return {
      prepare: async () => void (await reader.getOrSet('hot', loader)),
      slice: () => () => reader.get('hot'),
      ops: undefined,
    };
  }
  if (scenario === 'redis hit') {
    // Another instance wrote every key: the reader's memory tier is empty, its Redis tier is not
    // (slice SLICES is the warm-up's).
    return {
      prepare: async () => {
        await drive((SLICES + 1) * REDIS_KEYS, (i) => writer!.set(`k${i}`, value));
        await writer!.close();
      },
      slice: (index) => (i) => reader.getOrSet(`k${index * REDIS_KEYS + i}`, loader),
      ops: REDIS_KEYS,
    };
  }
  return {
    prepare: async () => undefined,
    slice: (index) => (i) => reader.getOrSet(`miss${index * MISS_KEYS + i}`, loader),
    ops: MISS_KEYS,
  };
}
