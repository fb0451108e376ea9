import type { Kysely, RawBuilder } from 'kysely';
import { sql } from 'kysely';
import type { StoreDialect } from '../../store/index.js';
import type { JobTables } from '../schema.js';
import type { JobRef } from '../types.js';

/** The store's Kysely (or one of its transactions), seen through the queue's tables. */
export type JobsDb = Kysely<JobTables>;

/** What every SQL operation needs: where to run and which dialect's SQL to write. */
export interface SqlTarget {
  db: JobsDb;
  dialect: StoreDialect;
}

/** The notification channel workers LISTEN on (PostgreSQL). */
export const NOTIFY_CHANNEL = 'keel_jobs';

/** A `where` condition naming one job by id, or the unfinished job with a type and dedupe key. */
export function refCondition(ref: JobRef): RawBuilder<unknown> {
  if (typeof ref === 'string') return sql`id = ${ref}`;
  return sql`type = ${ref.type} and dedupe_key = ${ref.dedupeKey} and state in ('waiting', 'running')`;
}

/** The SQL that appends one JSON value (a parameter) to the `errors` array column. */
export function appendError(dialect: StoreDialect, error: string): RawBuilder<unknown> {
  return dialect === 'postgres'
    ? sql`(errors::jsonb || jsonb_build_array(${error}::jsonb))::text`
    : sql`json_insert(errors, '$[#]', json(${error}))`;
}
