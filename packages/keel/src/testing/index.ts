/**
 * `keel/testing`: fresh SQLite and PostgreSQL databases per test file, to run one suite on every dialect.
 * @module
 */
export { createTestDatabase, testDialects, testServerUrl, type TestDatabase } from './test-database.js';
