import { describe, expect, it } from 'vitest';
import { applyRetention, defaultRetention, type RetentionPolicy } from './retention.js';
import { expectedKeep, simulate } from './test/slow-retention.js';

const DAY = 86_400_000;

describe('applyRetention', () => {
  const start = Date.UTC(2024, 10, 3, 0, 0, 0);
  const policies: RetentionPolicy[] = [
    { ...defaultRetention },
    { keepLast: 0, keepDaily: 10, keepWeekly: 0, keepMonthly: 0 },
    { keepLast: 2, keepDaily: 0, keepWeekly: 8, keepMonthly: 13 },
    { keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
  ];

  for (const [p, policy] of policies.entries()) {
    it(`keeps exactly what policy ${p} names over 400 simulated days`, () => {
      for (const seed of [1, 2, 3]) {
        const times = simulate(seed * 7 + p, start);
        for (const offsetDays of [380, 399.5, 400.99, 410]) {
          const now = new Date(start + offsetDays * DAY);
          const { keep, prune } = applyRetention(times, now, policy);
          const expected = expectedKeep(times, now, policy);
          expect(new Set(keep)).toEqual(expected);
          expect(keep.length + prune.length).toBe(times.length);
          expect(prune.every((i) => !expected.has(i))).toBe(true);
        }
      }
    });
  }

  it('keeps 15 of 400 daily backups under the default policy', () => {
    const now = new Date(Date.UTC(2025, 5, 15, 12)); // a Sunday
    const times = Array.from({ length: 400 }, (_, d) => new Date(now.getTime() - d * DAY - 3_600_000));
    const { keep } = applyRetention(times, now);
    // Days 0-6 (newest and daily, this week, June); Sundays 7, 14, 21 (weeks); month-ends May 31 to Jan 31.
    expect(keep).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 14, 15, 21, 46, 76, 107, 135]);
  });

  it('always keeps backups dated after now', () => {
    const now = new Date(Date.UTC(2025, 0, 1));
    const { keep } = applyRetention([new Date(Date.UTC(2025, 0, 2))], now, {
      keepLast: 0,
      keepDaily: 0,
      keepWeekly: 0,
      keepMonthly: 0,
    });
    expect(keep).toEqual([0]);
  });

  it('rejects a bad policy or date with a UsageError', () => {
    expect(() => applyRetention([], new Date(), { keepLast: -1 })).toThrow(expect.objectContaining({ code: 'usage' }));
    expect(() => applyRetention([], new Date(), { keepDaily: 1.5 })).toThrow(/retention.keepDaily/);
    expect(() => applyRetention([new Date('nope')], new Date())).toThrow(/timestamps.0/);
    expect(() => applyRetention([], new Date('nope'))).toThrow(/now/);
  });
});
