// What each bench:cache scenario does, for one contender.
import type { Contender } from './contenders.js';

export type Scenario = 'memory hit' | 'redis hit' | 'miss + loader';
const allScenarios: Scenario[] = ['memory hit', 'redis hit', 'miss + loader'];
// BENCH_SCENARIOS="redis hit,miss + loader" runs only those (to repeat one when comparing changes).
export const scenarios: Scenario[] = process.env.BENCH_SCENARIOS
  ? allScenarios.filter((s) => process.env.BENCH_SCENARIOS!.split(',').includes(s))
  : allScenarios;

export const SLICES = Number(process.env.BENCH_SLICES ?? 100);
export const HOT_OPS = Number(process.env.BENCH_HOT_OPS ?? 20_000);
export const KEYS = Number(process.env.BENCH_KEYS ?? 3_000);
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

const value = { id: 42, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'editor'] };
const loader = async () => value;

/** One contender's part in a scenario: what one slice runs. */
export interface ScenarioWork {
  prepare(): Promise<void>;
  slice(index: number): (i: number) => Promise<unknown>;
  ops: number;
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

export function scenarioWork(scenario: Scenario, reader: Contender, writer: Contender | undefined): ScenarioWork {
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
