import { sql } from 'kysely';
import type { SqlTarget } from './db.js';

/** Stores a running job's progress, while this worker holds it. */
export async function setProgress({ db }: SqlTarget, id: string, workerId: string, value: number): Promise<void> {
  await sql`update keel_job set progress = ${value}
    where id = ${id} and locked_by = ${workerId} and state = 'running'`.execute(db);
}
