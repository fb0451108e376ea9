import type { Kysely } from 'kysely';
import type { ScheduleTables } from './schema.js';

/** The scheduler's view of the database: its own tables (or a transaction over them). */
export type ScheduleDb = Kysely<ScheduleTables>;

/** A schedule's stored state. */
export interface StoredSchedule {
  name: string;
  spec: string;
  paused: boolean;
  lastTickAt: number;
  runCount: number;
}

function toStored(row: {
  name: string;
  spec: string;
  paused: number;
  last_tick_at: number | string;
  run_count: number | string;
}): StoredSchedule {
  return {
    name: row.name,
    spec: row.spec,
    paused: Number(row.paused) === 1,
    lastTickAt: Number(row.last_tick_at),
    runCount: Number(row.run_count),
  };
}

/** The stored state of every schedule, by name. */
export async function readSchedules(db: ScheduleDb): Promise<Map<string, StoredSchedule>> {
  const rows = await db.selectFrom('keel_schedule').selectAll().execute();
  return new Map(rows.map((row) => [row.name, toStored(row)]));
}

/**
 * Stores the declared schedules: new ones start ticking from `now`; one whose cron, interval or
 * timezone changed restarts from `now` (pause state kept); stored ones no longer declared are deleted.
 * Returns what changed, for the start log.
 */
export async function reconcileSchedules(
  db: ScheduleDb,
  declared: readonly { name: string; spec: string }[],
  now: number,
): Promise<{ added: string[]; changed: string[]; removed: string[] }> {
  return db.transaction().execute(async (trx) => {
    const stored = await readSchedules(trx);
    const added: string[] = [];
    const changed: string[] = [];
    for (const { name, spec } of declared) {
      const row = stored.get(name);
      if (!row) {
        const inserted = await trx
          .insertInto('keel_schedule')
          .values({ name, spec, paused: 0, last_tick_at: now, run_count: 0, created_at: now, updated_at: now })
          .onConflict((oc) => oc.column('name').doNothing())
          .returning('name')
          .executeTakeFirst();
        if (inserted) added.push(name);
      } else if (row.spec !== spec) {
        await trx
          .updateTable('keel_schedule')
          .set({ spec, last_tick_at: Math.max(now, row.lastTickAt), updated_at: now })
          .where('name', '=', name)
          .execute();
        changed.push(name);
      }
    }
    const names = new Set(declared.map((d) => d.name));
    const removed = [...stored.keys()].filter((name) => !names.has(name));
    if (removed.length > 0) await trx.deleteFrom('keel_schedule').where('name', 'in', removed).execute();
    return { added, changed, removed };
  });
}

/** Locks a schedule's row for the rest of the transaction (a write, so SQLite takes its lock at once). */
export async function lockSchedule(trx: ScheduleDb, name: string, now: number): Promise<StoredSchedule | undefined> {
  const row = await trx
    .updateTable('keel_schedule')
    .set({ updated_at: now })
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirst();
  return row ? toStored(row) : undefined;
}

/** Records the ticks handled up to `lastTickAt` and the runs enqueued for them. */
export async function advanceSchedule(
  trx: ScheduleDb,
  name: string,
  changes: { lastTickAt?: number; addedRuns: number },
  now: number,
): Promise<void> {
  await trx
    .updateTable('keel_schedule')
    .set((eb) => ({
      ...(changes.lastTickAt === undefined ? {} : { last_tick_at: changes.lastTickAt }),
      run_count: eb('run_count', '+', changes.addedRuns),
      updated_at: now,
    }))
    .where('name', '=', name)
    .execute();
}

/**
 * Pauses or resumes a schedule; resuming a paused one moves its last tick to `now`, so ticks planned
 * while paused are not caught up. Returns `false` when the schedule is not stored.
 */
export async function setPaused(db: ScheduleDb, name: string, paused: boolean, now: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await lockSchedule(trx, name, now);
    if (!row) return false;
    if (row.paused === paused) return true;
    await trx
      .updateTable('keel_schedule')
      .set({ paused: paused ? 1 : 0, ...(paused ? {} : { last_tick_at: Math.max(row.lastTickAt, now) }) })
      .where('name', '=', name)
      .execute();
    return true;
  });
}
