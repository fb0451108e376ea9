/**
 * `keel/metrics`: one Prometheus registry per service that every component adds to.
 * @module
 */
export { MetricsRegistry, createMetricsRegistry, type MetricsRegistryOptions } from './metrics-registry.js';
export type { Counter, Gauge, Histogram } from 'prom-client';
