import { sql } from 'kysely';
import { chunk } from '../../store/index.js';
import type { SqlTarget } from './db.js';

/** Extends the leases of jobs this worker runs; returns the ids it still holds (others were cancelled or lost). */
export async function renewLeases(
  { db }: SqlTarget,
  ids: readonly string[],
  workerId: string,
  lockedUntil: number,
): Promise<Set<string>> {
  const held = new Set<string>();
  for (const part of chunk(ids, 1000)) {
    const { rows } = await sql<{ id: string }>`
      update keel_job set locked_until = ${lockedUntil}
      where id in (${sql.join(part)}) and locked_by = ${workerId} and state = 'running'
      returning id`.execute(db);
    for (const row of rows) held.add(String(row.id));
  }
  return held;
}
