import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../jobs/index.js';
import { defineSchedule, internalsOf, type MissedPolicy, type Schedule } from './define-schedule.js';
import { planTicks, type TickPolicy } from './plan.js';
import { latestTick, type Timing } from './timing.js';

const job = defineJob({ name: 'noop', payload: z.object({}), handler: async () => undefined });
const policy = (schedule: Schedule): TickPolicy => ({ ...schedule, timing: internalsOf(schedule).timing });
const everySecond = (missed: MissedPolicy, more: { graceMs?: number; catchUpWindowMs?: number } = {}) =>
  policy(defineSchedule({ name: 's', intervalMs: 1000, job, payload: {}, missed, ...more }));

describe('planTicks', () => {
  it('plans nothing before the next tick', () => {
    expect(planTicks(everySecond('skip'), 1000, 1999)).toBeUndefined();
  });

  it('runs the tick that is due, on time', () => {
    expect(planTicks(everySecond('skip'), 1000, 2003)).toEqual({
      runs: [{ plannedAt: 2000, kind: 'tick' }],
      dropped: 0,
      lastTickAt: 2000,
    });
  });

  it('drops missed ticks with skip, keeping the latest when it is within the grace period', () => {
    expect(planTicks(everySecond('skip'), 1000, 10_500)).toEqual({
      runs: [{ plannedAt: 10_000, kind: 'tick' }],
      dropped: 8,
      lastTickAt: 10_000,
    });
    // Past the grace period even the latest tick was missed.
    expect(planTicks(everySecond('skip', { graceMs: 100 }), 1000, 10_500)).toEqual({
      runs: [],
      dropped: 9,
      lastTickAt: 10_000,
    });
  });

  it('runs one catch-up for the latest missed tick with once', () => {
    expect(planTicks(everySecond('once'), 1000, 10_500)).toEqual({
      runs: [
        { plannedAt: 9000, kind: 'catch-up' },
        { plannedAt: 10_000, kind: 'tick' },
      ],
      dropped: 7,
      lastTickAt: 10_000,
    });
  });

  it('runs every missed tick within the window with all', () => {
    expect(planTicks(everySecond('all', { catchUpWindowMs: 5000 }), 1000, 10_500)).toEqual({
      runs: [
        { plannedAt: 6000, kind: 'catch-up' },
        { plannedAt: 7000, kind: 'catch-up' },
        { plannedAt: 8000, kind: 'catch-up' },
        { plannedAt: 9000, kind: 'catch-up' },
        { plannedAt: 10_000, kind: 'tick' },
      ],
      dropped: 4,
      lastTickAt: 10_000,
    });
  });

  it('reads cron expressions in their timezone, across a daylight saving change', () => {
    const backup = policy(
      defineSchedule({ name: 'backup', cron: '0 3 * * *', timezone: 'Europe/Paris', job, payload: {}, missed: 'once' }),
    );
    const plan = planTicks(backup, Date.parse('2024-03-29T02:00:00Z'), Date.parse('2024-03-31T12:00:00Z'));
    // 03:00 in Paris is 02:00Z in winter time and 01:00Z from the 31st of March (summer time).
    expect(plan).toEqual({
      runs: [{ plannedAt: Date.parse('2024-03-31T01:00:00Z'), kind: 'catch-up' }],
      dropped: 1,
      lastTickAt: Date.parse('2024-03-31T01:00:00Z'),
    });
  });

  it('finds the latest tick after a long gap without walking every tick', () => {
    const { timing } = internalsOf(defineSchedule({ name: 'sec', cron: '* * * * * *', job, payload: {} }));
    let calls = 0;
    const counted: Timing = {
      nextAfter: (after) => {
        calls += 1;
        return timing.nextAfter(after);
      },
    };
    // 54 years of seconds since the epoch: walking them would take 1.7 billion steps.
    expect(latestTick(counted, 0, Date.parse('2024-01-01T00:00:00.500Z'))).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(calls).toBeLessThan(100);
    expect(latestTick(timing, 5000, 5000)).toBeNull();
  });
});
