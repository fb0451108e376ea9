import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { classifyStoreError, type StoreOutageReason } from './outage-errors.js';

// After these, the client's socket is dead or dying, even if pg has not noticed yet.
const brokenReasons: ReadonlySet<StoreOutageReason> = new Set(['terminated', 'connection_lost', 'server_shutdown']);

/**
 * The pool as Kysely sees it, except that a client whose query failed on a broken connection is
 * destroyed on release. pg-pool would otherwise hand it out again before its socket's end is read,
 * failing the next query too (a server restart would cost two failures per pooled client).
 */
export function discardingBrokenClients(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    connect: async () => {
      const client = await pool.connect();
      let guarded = wrapped.get(client);
      if (!guarded) {
        guarded = guard(client);
        wrapped.set(client, guarded);
      }
      return guarded;
    },
    end: () => pool.end(),
  };
}

function guard(client: pg.PoolClient): PostgresPoolClient {
  let broken: Error | undefined;
  const noteBroken = (error: unknown): void => {
    const outage = classifyStoreError(error);
    if (outage && brokenReasons.has(outage.reason)) broken = error as Error;
  };
  function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  function query<R>(
    what: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof what !== 'string')
      return client.query(what as unknown as pg.Submittable) as unknown as PostgresCursor<R>;
    const result = client.query(what, parameters as unknown[]) as unknown as Promise<PostgresQueryResult<R>>;
    result.catch(noteBroken);
    return result;
  }
  return {
    query,
    release: () => {
      const error = broken;
      broken = undefined;
      // A truthy argument makes pg-pool destroy the client instead of keeping it.
      client.release(error);
    },
  };
}
