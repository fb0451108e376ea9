/**
 * `keel/testing`: fresh SQLite and PostgreSQL databases per test file, to run one suite on every dialect.
 * @module
 */

export { createPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
export { type PrivateRedis, startPrivateRedis } from './private-redis.js';
export { createTestDatabase, type TestDatabase, testDialects, testServerUrl } from './test-database.js';
