/**
 * `keel/testing`: fresh SQLite and PostgreSQL databases per test file, to run one suite on every dialect.
 * @module
 */

export { type EventuallyOptions, eventually } from './eventually.js';
export { createPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
export { type PrivateRedis, startPrivateRedis } from './private-redis.js';
export { type ServiceProcess, type SpawnServiceOptions, spawnService } from './service-process.js';
export { createTestApp, type InjectOptions, type TestApp, type TestAppOptions, type TestResponse } from './test-app.js';
export { createTestDatabase, type TestDatabase, testDialects, testServerUrl } from './test-database.js';
