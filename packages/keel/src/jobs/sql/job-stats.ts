import { sql } from 'kysely';
import type { SqlTarget } from './db.js';

/** Jobs per queue and state. */
export async function countByQueueAndState({
  db,
}: SqlTarget): Promise<{ queue: string; state: string; count: number }[]> {
  const { rows } = await sql<{ queue: string; state: string; count: number | string }>`
    select queue, state, count(*) as count from keel_job group by queue, state order by queue, state`.execute(db);
  return rows.map((r) => ({ queue: r.queue, state: r.state, count: Number(r.count) }));
}

/** Per queue: the due waiting jobs and the due time of the oldest (epoch ms). */
export async function waitingByQueue(
  { db }: SqlTarget,
  now: number,
): Promise<{ queue: string; count: number; oldestRunAt: number }[]> {
  const { rows } = await sql<{ queue: string; count: number | string; oldest: number | string }>`
    select queue, count(*) as count, min(run_at) as oldest from keel_job
    where state = 'waiting' and run_at <= ${now} group by queue`.execute(db);
  return rows.map((r) => ({ queue: r.queue, count: Number(r.count), oldestRunAt: Number(r.oldest) }));
}
