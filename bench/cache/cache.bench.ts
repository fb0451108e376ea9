// npm run bench:cache — Keel's cache against raw bentocache (configured the same) and cache-manager with
// @keyv/redis, in one run: memory-tier hits (getOrSet and get), Redis-tier hits and misses that run a
// loader; it ends with the goals of issue 13, each PASS or MISS on this run's ratios.
//
// This machine is shared and its speed drifts by tens of percent within seconds, so contenders are not
// measured one after another. Each contender runs in its own process (no JIT state or heap shared with
// the others: in one process, bentocache's code serving two differently built caches ran both slower,
// and one contender's garbage was collected in another's time). All of a scenario's processes are live
// at once and this one alternates short slices between them, one at a time, Keel and bentocache side by
// side and taking turns going first. A memory-hit slice lasts about BENCH_SLICE_MS for each contender
// (its count of calls is calibrated once warm). Each slice gives a Keel/peer ratio of two rates measured
// moments apart; the median of those ratios is the figure (a hiccup of the machine during one slice
// moves it little), printed with their range and with the ratio of mean ops/s over all slices.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { benchPrefix, contenders, REDIS_URL } from './contenders.js';
import { CONCURRENCY, MISS_KEYS, REDIS_KEYS, type Scenario, SLICE_MS, SLICES, scenarios } from './scenarios.js';

const names = ['keel', 'bento', 'cacheManager'] as const;
type Name = (typeof names)[number];
type Reply = { started?: true; ready?: true; ops?: number; seconds?: number };

const runnerPath = fileURLToPath(new URL('./slice-runner.ts', import.meta.url));

// Sends `message` and resolves with the child's next reply.
function ask(child: ChildProcess, message: object): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`a contender process exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (reply: Reply) => {
      child.off('exit', onExit);
      resolve(reply);
    });
    child.send(message);
  });
}

function start(name: Name, scenario: Scenario, prefix: string): Promise<ChildProcess> {
  const child = fork(runnerPath, [name, scenario, prefix], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before starting`)));
    child.once('message', () => resolve(child));
  });
}

const admin = new Redis(REDIS_URL);
// A scenario leaves up to (SLICES + 1) x its keys per slice entries per contender: removed at once so Redis does not grow.
async function dropKeys(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    if (keys.length > 0) await admin.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Calls per second in each slice, by contender. */
async function runScenario(scenario: Scenario): Promise<Record<Name, number[]>> {
  const live = await Promise.all(
    names.map(async (name) => {
      const prefix = benchPrefix(`${name}-${scenario.replace(/\W+/g, '')}`);
      return { name, prefix, child: await start(name, scenario, prefix) };
    }),
  );
  const rates = { keel: [], bento: [], cacheManager: [] } as Record<Name, number[]>;
  try {
    await Promise.all(live.map(({ child }) => ask(child, { prepare: true })));
    for (let index = 0; index < SLICES; index += 1) {
      // [keel, bento, cacheManager], then [bento, keel, cacheManager]: the pair compared is balanced.
      const order = index % 2 === 0 ? live : [live[1]!, live[0]!, live[2]!];
      for (const { name, child } of order) {
        const { ops, seconds } = await ask(child, { slice: index });
        rates[name].push(ops! / seconds!);
      }
    }
  } finally {
    for (const { child, prefix } of live) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ close: true });
      await exited;
      await dropKeys(prefix);
    }
  }
  return rates;
}

console.log(
  `bench:cache — ${SLICES} alternating slices per contender, one process each: memory hits ~${SLICE_MS} ms per slice, ${REDIS_KEYS} Redis-tier keys or ${MISS_KEYS} missing keys per slice, concurrency ${CONCURRENCY}`,
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
// Keel/peer by scenario: the median of the per-slice ratios.
const ratios = new Map<string, number>();
console.log('ops/s over all slices; keel/peer = median of per-slice ratios (range; ratio of mean ops/s)');
for (const scenario of scenarios) {
  const rates = await runScenario(scenario);
  const mean = (name: Name) => sum(rates[name]) / rates[name].length;
  const perSlice = (peer: Name) => rates.keel.map((r, i) => r / rates[peer][i]!);
  const compare = (peer: Name) => {
    const each = perSlice(peer);
    ratios.set(`${scenario}/${peer}`, median(each));
    return `${median(each).toFixed(2)} (${Math.min(...each).toFixed(2)}-${Math.max(...each).toFixed(2)}; mean ${(mean('keel') / mean(peer)).toFixed(2)})`;
  };
  const toBento = compare('bento');
  const overhead = ((1 / median(perSlice('bento')) - 1) * 100).toFixed(1);
  console.log(
    `${scenario.padEnd(15)} keel ${fmt(mean('keel'))} | bentocache ${fmt(mean('bento'))} | cache-manager ${fmt(mean('cacheManager'))} | keel/bentocache ${toBento}, overhead ${overhead}% | keel/cache-manager ${compare('cacheManager')}`,
  );
}

const goals: { what: string; scenario: Scenario; peer: Name; atLeast: number }[] = [
  {
    what: 'memory-tier hit, getOrSet: keel/cache-manager',
    scenario: 'memory getOrSet',
    peer: 'cacheManager',
    atLeast: 1,
  },
  { what: 'memory-tier hit, get: keel/cache-manager', scenario: 'memory get', peer: 'cacheManager', atLeast: 1 },
  { what: 'Redis-tier hit: keel/bentocache', scenario: 'redis hit', peer: 'bento', atLeast: 1 },
  { what: 'Redis-tier hit: keel/cache-manager', scenario: 'redis hit', peer: 'cacheManager', atLeast: 1 },
  {
    what: 'miss + loader within 10% of bentocache: keel/bentocache',
    scenario: 'miss + loader',
    peer: 'bento',
    atLeast: 0.9,
  },
];
console.log('goals (issue 13), on the medians above:');
for (const goal of goals) {
  const ratio = ratios.get(`${goal.scenario}/${goal.peer}`);
  if (ratio === undefined) continue;
  console.log(
    `  ${ratio >= goal.atLeast ? 'PASS' : 'MISS'} ${goal.what} ${ratio.toFixed(2)} (goal >= ${goal.atLeast.toFixed(2)})`,
  );
}
process.exit(0);
