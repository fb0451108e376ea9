/**
 * `keel/metrics`: one Prometheus registry per service that every component adds to.
 * @module
 */

export type { Counter, Gauge, Histogram } from 'prom-client';
export { createMetricsRegistry, MetricsRegistry, type MetricsRegistryOptions } from './metrics-registry.js';
