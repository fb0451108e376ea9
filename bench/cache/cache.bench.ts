// npm run bench:cache — Keel's cache against raw bentocache (configured the same) and cache-manager with
// @keyv/redis, in one run: memory-tier hits, Redis-tier hits and misses that run a loader.
//
// This machine is shared and its speed drifts by tens of percent within seconds, so contenders are not
// measured one after another. Each contender runs in its own process (no JIT state or heap shared with
// the others: in one process, bentocache's code serving two differently built caches ran both slower,
// and one contender's garbage was collected in another's time). All of a scenario's processes are live
// at once and this one alternates short slices between them, one at a time, Keel and bentocache side by
// side and taking turns going first. Each slice gives a Keel/peer ratio of two measurements taken
// moments apart; the median of those ratios is the figure (a hiccup of the machine during one slice
// moves it little), printed with their range and with the ratio of ops/s over all slices. Run against
// itself (Keel as both contenders) this gave 0.97-1.05.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { benchPrefix, contenders, REDIS_URL } from './contenders.js';
import { CONCURRENCY, HOT_OPS, KEYS, type Scenario, SLICES, scenarios } from './scenarios.js';

const names = ['keel', 'bento', 'cacheManager'] as const;
type Name = (typeof names)[number];
type Reply = { started?: true; ready?: true; seconds?: number };

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
      return { name, prefix, child: await start(name, scenario, prefix) };
    }),
  );
  const seconds = { keel: [], bento: [], cacheManager: [] } as Record<Name, number[]>;
  try {
    await Promise.all(live.map(({ child }) => ask(child, { prepare: true })));
    for (let index = 0; index < SLICES; index += 1) {
      // [keel, bento, cacheManager], then [bento, keel, cacheManager]: the pair compared is balanced.
      const order = index % 2 === 0 ? live : [live[1]!, live[0]!, live[2]!];
      for (const { name, child } of order) seconds[name].push((await ask(child, { slice: index })).seconds!);
    }
  } finally {
    for (const { child, prefix } of live) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ close: true });
      await exited;
      await dropKeys(prefix);
    }
  }
  return seconds;
}

console.log(
  `bench:cache — ${SLICES} alternating slices per contender, one process each: ${HOT_OPS} memory-hit ops or ${KEYS} keys per slice, concurrency ${CONCURRENCY}`,
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
console.log('ops/s over all slices; keel/peer = median of per-slice ratios (range; ratio of all-slice ops/s)');
for (const scenario of scenarios) {
  const seconds = await runScenario(scenario);
  const opsPerSlice = scenario === 'memory hit' ? HOT_OPS : KEYS;
  const rate = (name: Name) => (opsPerSlice * SLICES) / sum(seconds[name]);
  const perSlice = (peer: Name) => seconds.keel.map((s, i) => seconds[peer][i]! / s);
  const compare = (peer: Name) => {
    const ratios = perSlice(peer);
    return `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}; all slices ${(rate('keel') / rate(peer)).toFixed(2)})`;
  };
  const overhead = ((1 / median(perSlice('bento')) - 1) * 100).toFixed(1);
  console.log(
    `${scenario.padEnd(14)} keel ${fmt(rate('keel'))} | bentocache ${fmt(rate('bento'))} | cache-manager ${fmt(rate('cacheManager'))} | keel/bentocache ${compare('bento')}, overhead ${overhead}% | keel/cache-manager ${compare('cacheManager')}`,
  );
}
process.exit(0);
