/**
 * `keel/store`: the SQL store component (Kysely over SQLite or PostgreSQL), migrations and batch helpers.
 * @module
 */

export {
  type Generated,
  type Insertable,
  type Kysely,
  type Migration,
  type Selectable,
  sql,
  type Transaction,
  type Updateable,
} from 'kysely';
export { chunk, getManyByIds, insertMany, updateMany } from './batch.js';
export { bookkeepingTables, isBookkeepingTable } from './bookkeeping.js';
export type { OpenedDialect, StoreConnectionOptions, StoreDialect } from './dialects.js';
export { isForeignKeyViolation, isUniqueViolation } from './errors.js';
export type { MigrationSet } from './migrations.js';
export type { StoreOutageReason } from './outage-errors.js';
export { createStore, Store, type StoreOptions } from './store.js';
export { isStoreUnavailable, StoreTimeoutError, StoreUnavailableError } from './store-outage-error.js';
