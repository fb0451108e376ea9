import { Cron } from 'croner';

/** When a schedule fires: the planned ticks, as epoch milliseconds. */
export interface Timing {
  /** The first tick strictly after `after`, or `null` when there is none. */
  nextAfter(after: number): number | null;
}

/** Ticks of a cron expression in a timezone, as croner computes them. */
export function cronTiming(expression: string, timezone: string): Timing {
  // Paused and without a function: croner only computes dates, it never starts a timer.
  const cron = new Cron(expression, { timezone, paused: true });
  return { nextAfter: (after) => cron.nextRun(new Date(after))?.getTime() ?? null };
}

/** Ticks every `intervalMs`, aligned on the Unix epoch so every instance computes the same ticks. */
export function intervalTiming(intervalMs: number): Timing {
  return { nextAfter: (after) => (Math.floor(after / intervalMs) + 1) * intervalMs };
}

/** The latest tick in `(after, upTo]`, or `null`; searches backwards in growing steps so long gaps stay cheap. */
export function latestTick(timing: Timing, after: number, upTo: number): number | null {
  if (upTo <= after) return null;
  for (let step = 60_000; ; step *= 4) {
    const from = Math.max(after, upTo - step);
    let tick = timing.nextAfter(from);
    if (tick !== null && tick <= upTo) {
      for (let next = timing.nextAfter(tick); next !== null && next <= upTo; next = timing.nextAfter(next)) tick = next;
      return tick;
    }
    if (from === after) return null;
  }
}

/** The latest `keep` ticks in `(after, upTo]`, oldest first, looking at no more than `limit` ticks. */
export function ticksBetween(timing: Timing, after: number, upTo: number, keep: number, limit = 100_000): number[] {
  const ticks: number[] = [];
  let seen = 0;
  for (
    let tick = timing.nextAfter(after);
    tick !== null && tick <= upTo && seen < limit;
    tick = timing.nextAfter(tick)
  ) {
    seen += 1;
    ticks.push(tick);
  }
  return keep > 0 ? ticks.slice(-keep) : [];
}

/** How many ticks are in `(after, upTo]`, counting up to `limit`. */
export function countTicks(timing: Timing, after: number, upTo: number, limit = 100_000): number {
  let count = 0;
  for (
    let tick = timing.nextAfter(after);
    tick !== null && tick <= upTo && count < limit;
    tick = timing.nextAfter(tick)
  ) {
    count += 1;
  }
  return count;
}
