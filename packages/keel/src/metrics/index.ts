/**
 * `keel/metrics`: one Prometheus registry per service that every component adds to, served by
 * `keel/http` at `/metrics`.
 *
 * Naming. Keel's own metrics are named `keel_<capability>_<what>[_<unit>]`, where the capability is
 * the folder (and subpath) that registers them: `keel_http_*`, `keel_jobs_*`, `keel_schedule_*`,
 * `keel_cache_*`, `keel_backup_*`, `keel_store_*`; counters end in `_total`, durations in
 * `_seconds`, sizes in `_bytes` (Prometheus base units). The one exception is Node's process
 * metrics, collected by default under prom-client's standard names (`process_*`, `nodejs_*`) so
 * stock Node dashboards and alerts work unchanged. The `keel_` prefix is Keel's: a service names
 * its own metrics with its own prefix (`planner_*`).
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from 'keel/metrics';
 *
 * const metrics = new MetricsRegistry({ defaultLabels: { service: 'planner' } });
 * metrics.counter({ name: 'planner_invitations_sent_total', help: 'Invitations sent', labelNames: ['channel'] }).inc({ channel: 'mail' });
 * const text = await metrics.text(); // the Prometheus text exposition
 * ```
 * @module
 */

import type { Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram } from 'prom-client';

/**
 * A Prometheus counter, as {@link MetricsRegistry.counter} returns it (prom-client's type).
 *
 * @example
 * ```ts
 * const sent: Counter<'kind'> = metrics.counter({ name: 'planner_mails_sent_total', help: 'Mails sent', labelNames: ['kind'] });
 * ```
 */
export type Counter<L extends string = string> = PromCounter<L>;

/**
 * A Prometheus gauge, as {@link MetricsRegistry.gauge} returns it (prom-client's type).
 *
 * @example
 * ```ts
 * const depth: Gauge = metrics.gauge({ name: 'planner_outbox_depth', help: 'Mails waiting to be sent' });
 * ```
 */
export type Gauge<L extends string = string> = PromGauge<L>;

/**
 * A Prometheus histogram, as {@link MetricsRegistry.histogram} returns it (prom-client's type).
 *
 * @example
 * ```ts
 * const render: Histogram = metrics.histogram({ name: 'planner_render_seconds', help: 'Page render time', buckets: [0.01, 0.1, 1] });
 * ```
 */
export type Histogram<L extends string = string> = PromHistogram<L>;

export { MetricsRegistry, type MetricsRegistryOptions } from './metrics-registry.js';
