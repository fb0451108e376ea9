import { sql } from 'kysely';
import type { JobRow } from '../schema.js';
import type { JobRef } from '../types.js';
import { refCondition, type SqlTarget } from './db.js';

/** One job's row by id (or unfinished job by type and dedupe key). */
export async function getJob({ db }: SqlTarget, ref: JobRef): Promise<JobRow | undefined> {
  const { rows } = await sql<JobRow>`select * from keel_job where ${refCondition(ref)} limit 1`.execute(db);
  return rows[0];
}
