/**
 * Keel: production plumbing for TypeScript services. The root holds the assembly (`createApp`,
 * `defineFeature`); each capability has its own subpath (`keel/http`, `keel/jobs`, `keel/cache`, ...).
 * @module
 */
export * from './app/index.js';
