import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { classifyStoreError, type StoreOutage } from './outage-errors.js';
import { storeOutageError } from './store-outage-error.js';

/** Told of every outage error and every successful query (to end a burst). */
export interface OutageListener {
  failed(outage: StoreOutage, error: unknown): void;
  succeeded(): void;
}

/**
 * Wraps a Kysely dialect so that every driver call (connect, query, stream, begin, commit, rollback,
 * savepoints, release) throws outages as StoreUnavailableError or StoreTimeoutError. Errors of the
 * query itself pass unchanged: callers branch on their codes (unique violations, foreign keys).
 */
export function withOutageErrors(dialect: Dialect, listener: OutageListener): Dialect {
  return {
    createDriver: (): Driver => new OutageDriver(dialect.createDriver(), listener),
    createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
    createAdapter: (): DialectAdapter => dialect.createAdapter(),
    createIntrospector: (db: Parameters<Dialect['createIntrospector']>[0]): DatabaseIntrospector =>
      dialect.createIntrospector(db),
  };
}

function translate(error: unknown, listener: OutageListener): unknown {
  const outage = classifyStoreError(error);
  if (!outage) return error;
  listener.failed(outage, error);
  return storeOutageError(outage, error);
}

class OutageConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly listener: OutageListener,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const result = await this.inner.executeQuery<R>(query);
      this.listener.succeeded();
      return result;
    } catch (error) {
      throw translate(error, this.listener);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      for await (const chunk of this.inner.streamQuery<R>(query, chunkSize)) yield chunk;
      this.listener.succeeded();
    } catch (error) {
      throw translate(error, this.listener);
    }
  }
}

// The inner driver must get its own connection objects back (pg's release is a private method on them).
function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof OutageConnection ? connection.inner : connection;
}

class OutageDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly listener: OutageListener,
  ) {}

  init(): Promise<void> {
    return this.guard(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.guard(() => this.inner.acquireConnection());
    return new OutageConnection(connection, this.listener);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(() => this.inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.commitTransaction(unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.rollbackTransaction(unwrap(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.guard(() => this.optional('savepoint')(unwrap(connection), name, compile));
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.guard(() => this.optional('rollbackToSavepoint')(unwrap(connection), name, compile));
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.guard(() => this.optional('releaseSavepoint')(unwrap(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.releaseConnection(unwrap(connection)));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  private optional(method: 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint'): NonNullable<Driver['savepoint']> {
    const fn = this.inner[method];
    if (!fn) throw new Error(`The dialect's driver does not support ${method}`);
    return fn.bind(this.inner);
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translate(error, this.listener);
    }
  }
}
