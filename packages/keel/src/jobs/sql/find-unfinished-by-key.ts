import { sql } from 'kysely';
import { chunk } from '../../store/index.js';
import type { SqlTarget } from './db.js';

/** Ids of the unfinished jobs holding these dedupe keys, keyed by `type + '\n' + key`. */
export async function findUnfinishedByKey(
  { db }: SqlTarget,
  keys: readonly { type: string; dedupeKey: string }[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const distinct = [...new Set(keys.map((k) => k.dedupeKey))];
  for (const part of chunk(distinct, 1000)) {
    const { rows } = await sql<{ id: string; type: string; dedupe_key: string }>`
      select id, type, dedupe_key from keel_job
      where dedupe_key in (${sql.join(part)}) and state in ('waiting', 'running')`.execute(db);
    for (const row of rows) found.set(`${row.type}\n${row.dedupe_key}`, String(row.id));
  }
  return found;
}
