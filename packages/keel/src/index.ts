/**
 * Keel: production plumbing for TypeScript services. The root export gathers the core; each
 * capability also has its own subpath (`keel/http`, `keel/store`, ...).
 * @module
 */

export { type App, type AppOptions, createApp } from './app/index.js';
export * from './config/index.js';
export * from './errors/index.js';
export * from './health/index.js';
export * from './http/index.js';
export * from './logging/index.js';
export * from './metrics/index.js';
export * from './service/index.js';
export * from './store/index.js';
