import { sql } from 'kysely';
import type { JobRow } from '../schema.js';
import type { JobState } from '../types.js';
import type { SqlTarget } from './db.js';

/** Filters and page of a job listing. */
export interface ListQuery {
  state?: JobState;
  queue?: string;
  type?: string;
  limit: number;
  /** Only jobs with an id below this one (the previous page's last id). */
  before?: string;
}

/** Jobs newest first (by id), keyset-paginated; returns up to `limit + 1` rows so the caller sees a next page. */
export async function listJobs({ db }: SqlTarget, query: ListQuery): Promise<JobRow[]> {
  const conditions = [
    ...(query.state ? [sql`state = ${query.state}`] : []),
    ...(query.queue ? [sql`queue = ${query.queue}`] : []),
    ...(query.type ? [sql`type = ${query.type}`] : []),
    ...(query.before ? [sql`id < ${query.before}`] : []),
  ];
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const { rows } = await sql<JobRow>`
    select * from keel_job ${where} order by id desc limit ${query.limit + 1}`.execute(db);
  return rows;
}
