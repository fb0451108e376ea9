/**
 * `keel/store`: the SQL store component (Kysely over SQLite or PostgreSQL), migrations and batch helpers.
 * @module
 */
export { Store, createStore, type StoreOptions } from './store.js';
export { openDialect, type StoreConnectionOptions, type StoreDialect, type OpenedDialect } from './dialects.js';
export { insertMany, updateMany, getManyByIds, chunk } from './batch.js';
export { isUniqueViolation, isForeignKeyViolation } from './errors.js';
export { sql, type Kysely, type Migration, type Transaction, type Insertable, type Selectable, type Updateable } from 'kysely';
