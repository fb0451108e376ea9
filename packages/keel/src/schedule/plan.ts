import type { Schedule } from './define-schedule.js';
import { countTicks, latestTick, type Timing, ticksBetween } from './timing.js';

/** What planning reads of a schedule: its ticks and missed-tick policy. */
export type TickPolicy = Pick<Schedule, 'missed' | 'graceMs' | 'catchUpWindowMs'> & { timing: Timing };

/** One run a tick asks for: the planned time and why. */
export interface PlannedRun {
  plannedAt: number;
  kind: 'tick' | 'catch-up';
}

/** What to do with the ticks due since the last handled one. */
export interface TickPlan {
  /** Runs to enqueue (or skip on overlap), oldest first. */
  runs: PlannedRun[];
  /** Missed ticks dropped by the missed-tick policy (counted up to 100000). */
  dropped: number;
  /** The new last handled tick. */
  lastTickAt: number;
}

// More catch-up runs than this at once would flood the queue; older ones are dropped.
const MAX_CATCH_UP = 1000;

/**
 * Plans the ticks in `(lastTickAt, now]`: the latest is on time when within `graceMs`, every other
 * one was missed and follows the schedule's missed-tick policy. `undefined` when nothing is due.
 */
export function planTicks(schedule: TickPolicy, lastTickAt: number, now: number): TickPlan | undefined {
  const { timing } = schedule;
  const latest = latestTick(timing, lastTickAt, now);
  if (latest === null) return undefined;
  const onTime = now - latest <= schedule.graceMs;
  const missedUpTo = onTime ? latestTick(timing, lastTickAt, latest - 1) : latest;
  const runs: PlannedRun[] = [];
  let dropped = 0;
  if (missedUpTo !== null) {
    if (schedule.missed === 'skip') {
      dropped = countTicks(timing, lastTickAt, missedUpTo);
    } else if (schedule.missed === 'once') {
      runs.push({ plannedAt: missedUpTo, kind: 'catch-up' });
      dropped = countTicks(timing, lastTickAt, missedUpTo) - 1;
    } else {
      const from = Math.max(lastTickAt, now - schedule.catchUpWindowMs);
      const ticks = ticksBetween(timing, from, missedUpTo, MAX_CATCH_UP);
      for (const plannedAt of ticks) runs.push({ plannedAt, kind: 'catch-up' });
      dropped = countTicks(timing, lastTickAt, missedUpTo) - ticks.length;
    }
  }
  if (onTime) runs.push({ plannedAt: latest, kind: 'tick' });
  return { runs, dropped, lastTickAt: latest };
}
