import type { ContenderName } from './contenders/index.js';
import type { RunReply } from './runner.js';
import type { WorkloadName } from './workloads.js';

/** One finished run. */
export interface Row {
  workload: WorkloadName;
  contender: ContenderName;
  knob: number;
  reply: RunReply;
}

/** A run's figure, `undefined` when the run failed or did not measure it. */
export function figure(row: Row | undefined, key: string): number | undefined {
  return row?.reply.ok ? row.reply.figures[key] : undefined;
}

/** The contender's run with the highest `key` (or the lowest, for times) in a workload. */
export function best(
  rows: readonly Row[],
  workload: WorkloadName,
  contender: ContenderName,
  key: string,
  lowest = false,
): Row | undefined {
  let found: Row | undefined;
  for (const row of rows) {
    if (row.workload !== workload || row.contender !== contender) continue;
    const value = figure(row, key);
    if (value === undefined) continue;
    const current = figure(found, key);
    if (current === undefined || (lowest ? value < current : value > current)) found = row;
  }
  return found;
}

/** A contender's run with a given knob in a workload. */
export function runOf(
  rows: readonly Row[],
  workload: WorkloadName,
  contender: ContenderName,
  knob: number,
): Row | undefined {
  return rows.find((r) => r.workload === workload && r.contender === contender && r.knob === knob);
}
