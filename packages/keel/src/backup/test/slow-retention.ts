import type { RetentionPolicy } from '../retention.js';

const DAY = 86_400_000;

// A seeded generator, so a failure reproduces.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

// 400 days of backups: 0 to 3 a day at random times, some days without any.
export function simulate(seed: number, start: number): Date[] {
  const next = random(seed);
  const times: Date[] = [];
  for (let day = 0; day < 400; day++) {
    const count = Math.floor(next() * 4);
    for (let i = 0; i < count; i++) times.push(new Date(start + day * DAY + Math.floor(next() * DAY)));
  }
  return times;
}

// The policy spelled out slowly, with calendar strings instead of period arithmetic.
export function expectedKeep(times: Date[], now: Date, policy: RetentionPolicy): Set<number> {
  const keep = new Set<number>();
  const past = times.map((t, i) => ({ t, i })).filter(({ t }) => t <= now);
  const newest = (candidates: { t: Date; i: number }[]): void => {
    let best: { t: Date; i: number } | undefined;
    for (const c of candidates)
      if (!best || c.t > best.t || (c.t.getTime() === best.t.getTime() && c.i < best.i)) best = c;
    if (best) keep.add(best.i);
  };
  const byAge = [...past].sort((a, b) => b.t.getTime() - a.t.getTime() || a.i - b.i);
  for (const { i } of byAge.slice(0, policy.keepLast)) keep.add(i);
  for (let k = 0; k < policy.keepDaily; k++) {
    const day = new Date(now.getTime() - k * DAY).toISOString().slice(0, 10);
    newest(past.filter(({ t }) => t.toISOString().slice(0, 10) === day));
  }
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const monday = today - ((now.getUTCDay() + 6) % 7) * DAY;
  for (let k = 0; k < policy.keepWeekly; k++) {
    const from = monday - k * 7 * DAY;
    newest(past.filter(({ t }) => t.getTime() >= from && t.getTime() < from + 7 * DAY));
  }
  for (let k = 0; k < policy.keepMonthly; k++) {
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 1)).toISOString().slice(0, 7);
    newest(past.filter(({ t }) => t.toISOString().slice(0, 7) === month));
  }
  times.forEach((t, i) => {
    if (t > now) keep.add(i);
  });
  return keep;
}
