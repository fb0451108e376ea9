import { sql } from 'kysely';
import { NOTIFY_CHANNEL, type SqlTarget } from './db.js';

/** Wakes PostgreSQL workers of a queue (at commit, inside a transaction); nothing to do on SQLite. */
export async function notifyQueue({ db, dialect }: SqlTarget, queue: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_notify(${NOTIFY_CHANNEL}, ${queue})`.execute(db);
}
