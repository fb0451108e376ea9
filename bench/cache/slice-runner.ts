// One contender of bench:cache in its own process (no JIT state or heap shared with the others), run
// by cache.bench.ts: it prepares one scenario, calibrates its slice, then runs one timed slice per
// request and answers the calls it made and the seconds they took.
// Messages: {prepare} -> {ready}; {slice: n} -> {ops, seconds}; {close} -> exit.
import { type Contender, contenders } from './contenders.js';
import { calibrate, drive, type Scenario, scenarioWork } from './scenarios.js';

const [name, scenario, prefix] = process.argv.slice(2) as [keyof typeof contenders, Scenario, string];
const reader: Contender = await contenders[name](prefix);
const writer = scenario === 'redis hit' ? await contenders[name](prefix) : undefined;
const work = scenarioWork(scenario, reader, writer);
let ops = 0;

process.on('message', async (message: { prepare?: true; slice?: number; close?: true }) => {
  if (message.prepare) {
    await work.prepare();
    ops = await calibrate(work);
    process.send?.({ ready: true });
  } else if (message.slice !== undefined) {
    process.send?.({ ops, seconds: await drive(ops, work.slice(message.slice)) });
  } else if (message.close) {
    await reader.close();
    process.exit(0);
  }
});
process.send?.({ started: true });
