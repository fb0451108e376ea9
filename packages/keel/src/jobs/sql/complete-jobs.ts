import { sql } from 'kysely';
import type { SqlTarget } from './db.js';

/** A finished attempt's job and its result (JSON, or `null`). */
export interface Completion {
  id: string;
  result: string | null;
}

/**
 * Marks jobs completed in one statement, only where this worker still holds the lease; with
 * `deleteAtOnce` (retention 0) deletes them instead. Returns the ids that were completed.
 */
export async function completeJobs(
  { db, dialect }: SqlTarget,
  completions: readonly Completion[],
  workerId: string,
  now: number,
  deleteAtOnce: boolean,
): Promise<string[]> {
  if (completions.length === 0) return [];
  if (dialect === 'postgres') return completeOnPostgres(db, completions, workerId, now, deleteAtOnce);
  const ids = sql.join(completions.map((c) => c.id));
  const owned = sql`id in (${ids}) and locked_by = ${workerId} and state = 'running'`;
  if (deleteAtOnce) {
    const { rows } = await sql<{ id: string }>`delete from keel_job where ${owned} returning id`.execute(db);
    return rows.map((r) => String(r.id));
  }
  const withResults = completions.filter((c) => c.result !== null);
  const result =
    withResults.length === 0
      ? sql`null`
      : sql`case id ${sql.join(
          withResults.map((c) => sql`when ${c.id} then ${c.result}`),
          sql` `,
        )} else null end`;
  const { rows } = await sql<{ id: string }>`
    update keel_job set state = 'completed', locked_by = null, locked_until = null, finished_at = ${now},
      result = ${result}
    where ${owned} returning id`.execute(db);
  return rows.map((r) => String(r.id));
}

// Array parameters instead of one per job: a batch of hundreds binds and plans as one small statement.
async function completeOnPostgres(
  db: SqlTarget['db'],
  completions: readonly Completion[],
  workerId: string,
  now: number,
  deleteAtOnce: boolean,
): Promise<string[]> {
  const ids = completions.map((c) => c.id);
  const owned = sql`id = any(${ids}::uuid[]) and locked_by = ${workerId} and state = 'running'`;
  if (deleteAtOnce) {
    const { rows } = await sql<{ id: string }>`delete from keel_job where ${owned} returning id`.execute(db);
    return rows.map((r) => r.id);
  }
  // A join on unnest plans worse than looking each row's result up by its position in the batch.
  const result = completions.some((c) => c.result !== null)
    ? sql`(${completions.map((c) => c.result)}::text[])[array_position(${ids}::uuid[], id)]`
    : sql`null`;
  const { rows } = await sql<{ id: string }>`
    update keel_job set state = 'completed', locked_by = null, locked_until = null, finished_at = ${now},
      result = ${result}
    where ${owned} returning id`.execute(db);
  return rows.map((r) => r.id);
}
