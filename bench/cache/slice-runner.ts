// One contender of bench:cache in its own process (no JIT state or heap shared with the others), run
// by cache.bench.ts: it prepares one scenario, then runs one timed slice per request and answers the
// seconds it took. Messages: {prepare} -> {ready}; {slice: n} -> {seconds}; {close} -> exit.
import { type Contender, contenders } from './contenders.js';
import { drive, type Scenario, scenarioWork } from './scenarios.js';

const [name, scenario, prefix] = process.argv.slice(2) as [keyof typeof contenders, Scenario, string];
const reader: Contender = await contenders[name](prefix);
const writer = scenario === 'redis hit' ? await contenders[name](prefix) : undefined;
const work = scenarioWork(scenario, reader, writer);

process.on('message', async (message: { prepare?: true; slice?: number; close?: true }) => {
  if (message.prepare) {
    await work.prepare();
    process.send?.({ ready: true });
  } else if (message.slice !== undefined) {
    process.send?.({ seconds: await drive(work.ops, work.slice(message.slice)) });
  } else if (message.close) {
    await reader.close();
    process.exit(0);
  }
});
process.send?.({ started: true });
