import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';

const GAUGES_NAMED_TOTAL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

import { UsageError } from '../errors/index.js';

/**
 * Options of {@link MetricsRegistry}.
 *
 * @example
 * ```ts
 * const options: MetricsRegistryOptions = { defaultLabels: { service: 'planner' }, defaultMetrics: false };
 * ```
 */
export interface MetricsRegistryOptions {
  /**
   * Collect Node's process metrics (CPU, memory, event loop lag, GC) under their standard names
   * (`process_*`, `nodejs_*`). Default: `true`.
   */
  defaultMetrics?: boolean;
  /** Labels added to every metric, e.g. `{ service: 'planner' }`. Default: none. */
  defaultLabels?: Record<string, string>;
}

/**
 * The service's one Prometheus registry. Components get or create their metrics here by name, so
 * two components asking for the same metric share it instead of failing on a duplicate. Asking
 * for a name with another kind of metric or other label names, or a name Prometheus refuses, is a
 * bug in the caller: a UsageError.
 *
 * @example
 * ```ts
 * const metrics = new MetricsRegistry({ defaultLabels: { service: 'planner' } });
 * const sent = metrics.counter({ name: 'planner_mails_sent_total', help: 'Mails sent', labelNames: ['kind'] });
 * sent.inc({ kind: 'reminder' });
 * ```
 */
export class MetricsRegistry {
  /** The prom-client registry underneath, for what this class does not offer (a Summary, a custom collector). */
  readonly registry: Registry;

  constructor(options: MetricsRegistryOptions = {}) {
    this.registry = new Registry();
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters (promtool lint refuses them); the same numbers stand by type in nodejs_active_*.
      for (const name of GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    }
  }

  /** Gets or creates a counter. */
  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return this.getOrCreate(config, Counter, () => new Counter({ ...config, registers: [this.registry] }));
  }

  /** Gets or creates a gauge. */
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return this.getOrCreate(config, Gauge, () => new Gauge({ ...config, registers: [this.registry] }));
  }

  /** Gets or creates a histogram. */
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return this.getOrCreate(config, Histogram, () => new Histogram({ ...config, registers: [this.registry] }));
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  // A name already taken by another kind of metric, or with other labels, is a programming error,
  // not a metric to share: found here rather than at the first `inc` with a label it lacks.
  private getOrCreate<M>(
    config: { name: string; labelNames?: readonly string[] },
    kind: abstract new (...args: never[]) => unknown,
    create: () => M,
  ): M {
    const { name } = config;
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) {
      try {
        return create();
      } catch (error) {
        throw new UsageError(`metrics: ${(error as Error).message}`, { cause: error });
      }
    }
    if (!(existing instanceof kind)) {
      throw new UsageError(`metrics: the metric "${name}" already exists as another kind of metric`);
    }
    const wanted = [...(config.labelNames ?? [])].sort();
    const known = [...((existing as { labelNames?: readonly string[] }).labelNames ?? [])].sort();
    if (wanted.join(',') !== known.join(',')) {
      throw new UsageError(
        `metrics: the metric "${name}" already exists with labels [${known.join(', ')}], not [${wanted.join(', ')}]`,
      );
    }
    return existing as M;
  }
}
