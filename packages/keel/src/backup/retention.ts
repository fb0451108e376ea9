import { z } from 'zod';
import { checkOptions } from '../config/index.js';
import { UsageError } from '../errors/index.js';

/**
 * How many backups to keep, grandfather-father-son style.
 *
 * @example
 * ```ts
 * const policy: RetentionPolicy = { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 12 };
 * ```
 */
export interface RetentionPolicy {
  /** Keep the newest N backups. Default: 7. */
  keepLast: number;
  /** Keep the newest backup of each of the last D UTC days, today included. Default: 7. */
  keepDaily: number;
  /** Keep the newest backup of each of the last W ISO weeks (Monday to Sunday, UTC), this week included. Default: 4. */
  keepWeekly: number;
  /** Keep the newest backup of each of the last M UTC calendar months, this month included. Default: 6. */
  keepMonthly: number;
}

/**
 * The default {@link RetentionPolicy}: 7 newest, 7 daily, 4 weekly, 6 monthly.
 *
 * @example
 * ```ts
 * createBackups({ store, retention: { ...defaultRetention, keepMonthly: 12 } });
 * ```
 */
export const defaultRetention: Readonly<RetentionPolicy> = Object.freeze({
  keepLast: 7,
  keepDaily: 7,
  keepWeekly: 4,
  keepMonthly: 6,
});

/** Which timestamps a policy keeps and which it drops, as indexes into the input. */
export interface RetentionDecision {
  keep: number[];
  prune: number[];
}

const DAY_MS = 86_400_000;
const periods = {
  keepDaily: (t: Date) => Math.floor(t.getTime() / DAY_MS),
  // 1970-01-01 was a Thursday: shifting by 3 days makes each period start on a Monday.
  keepWeekly: (t: Date) => Math.floor((Math.floor(t.getTime() / DAY_MS) + 3) / 7),
  keepMonthly: (t: Date) => t.getUTCFullYear() * 12 + t.getUTCMonth(),
} as const;

/**
 * Applies a retention policy: a pure function of the backups' timestamps and `now`. Keeps the newest
 * `keepLast`, plus the newest backup in each of the last `keepDaily` days, `keepWeekly` weeks and
 * `keepMonthly` months (calendar periods in UTC counted back from `now`'s, empty periods included).
 * Timestamps after `now` are always kept, since nothing can be said about them.
 *
 * @example
 * ```ts
 * const { prune } = applyRetention(entries.map((e) => new Date(e.createdAt)), new Date(), { keepLast: 3 });
 * ```
 */
export function applyRetention(
  timestamps: readonly Date[],
  now: Date,
  policy: Partial<RetentionPolicy> = {},
): RetentionDecision {
  const rules = resolveRetention(
    checkOptions('applyRetention', z.object({ retention: retentionSchema }), { retention: policy }).retention,
  );
  if (!validDate(now)) throw new UsageError('applyRetention: now must be a valid date');
  timestamps.forEach((t, i) => {
    if (!validDate(t)) throw new UsageError(`applyRetention: timestamps.${i} must be a valid date`);
  });
  const kept = new Set<number>();
  const newestFirst = timestamps
    .map((t, index) => ({ time: t.getTime(), t, index }))
    .sort((a, b) => b.time - a.time || a.index - b.index);
  const past = newestFirst.filter((item) => {
    if (item.time > now.getTime()) kept.add(item.index);
    return item.time <= now.getTime();
  });
  for (const item of past.slice(0, rules.keepLast)) kept.add(item.index);
  for (const rule of ['keepDaily', 'keepWeekly', 'keepMonthly'] as const) {
    const periodOf = periods[rule];
    const current = periodOf(now);
    const covered = new Set<number>();
    for (const item of past) {
      const period = periodOf(item.t);
      if (current - period >= rules[rule] || covered.has(period)) continue;
      covered.add(period);
      kept.add(item.index);
    }
  }
  const keep = [...kept].sort((a, b) => a - b);
  const prune = timestamps.map((_, i) => i).filter((i) => !kept.has(i));
  return { keep, prune };
}

const count = () =>
  z.number().int('must be a non-negative integer').nonnegative('must be a non-negative integer').optional();

/** A partial {@link RetentionPolicy} as options take it: each count a non-negative integer. */
export const retentionSchema = z.object({
  keepLast: count(),
  keepDaily: count(),
  keepWeekly: count(),
  keepMonthly: count(),
});

/** A full policy from a partial one (already checked against {@link retentionSchema}). */
export function resolveRetention(policy: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const resolved = { ...defaultRetention };
  for (const key of Object.keys(defaultRetention) as (keyof RetentionPolicy)[]) {
    const value = policy[key];
    if (value !== undefined) resolved[key] = value;
  }
  return resolved;
}

function validDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}
