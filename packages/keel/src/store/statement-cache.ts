import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** How many distinct SQL texts keep their prepared statement. */
const DEFAULT_SIZE = 500;

/**
 * better-sqlite3 behind Kysely with prepared statements kept per SQL text. Kysely prepares every
 * statement anew; on hot paths (the job queue's claim and complete) preparing cost more than running.
 * A statement still busy (an unfinished `iterate` of a streamed query) is never handed out twice.
 */
export function withStatementCache(database: Database.Database, size = DEFAULT_SIZE): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (sql: string) => {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Map order is the eviction order: a hit moves to the back.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (!cached) {
        statements.set(sql, statement);
        if (statements.size > size) statements.delete(statements.keys().next().value as string);
      }
      return statement;
    },
  };
}
