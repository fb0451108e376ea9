/**
 * `keel/testing`: fresh SQLite and PostgreSQL databases per test file, to run one suite on every dialect.
 * @module
 */

export { type PrivateRedis, startPrivateRedis } from './private-redis.js';
export { createTestDatabase, type TestDatabase, testDialects, testServerUrl } from './test-database.js';
