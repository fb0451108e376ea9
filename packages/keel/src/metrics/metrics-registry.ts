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
import { KeelError } from '../errors/index.js';

/** Options of {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Collect Node's process metrics (CPU, memory, event loop lag, GC). Default: `true`. */
  defaultMetrics?: boolean;
  /** Labels added to every metric, e.g. `{ service: 'planner' }`. Default: none. */
  defaultLabels?: Record<string, string>;
}

/**
 * The service's one Prometheus registry. Components get or create their metrics here by name, so
 * two components asking for the same metric share it instead of failing on a duplicate.
 *
 * @example
 * ```ts
 * const metrics = createMetricsRegistry();
 * const sent = metrics.counter({ name: 'mails_sent_total', help: 'Mails sent', labelNames: ['kind'] });
 * sent.inc({ kind: 'reminder' });
 * ```
 */
export class MetricsRegistry {
  readonly registry: Registry;

  constructor(options: MetricsRegistryOptions = {}) {
    this.registry = new Registry();
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Gets or creates a counter. */
  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return this.getOrCreate(config.name, Counter, () => new Counter({ ...config, registers: [this.registry] }));
  }

  /** Gets or creates a gauge. */
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return this.getOrCreate(config.name, Gauge, () => new Gauge({ ...config, registers: [this.registry] }));
  }

  /** Gets or creates a histogram. */
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return this.getOrCreate(config.name, Histogram, () => new Histogram({ ...config, registers: [this.registry] }));
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  // A name already taken by another kind of metric is a programming error, not a metric to share.
  private getOrCreate<M>(name: string, kind: abstract new (...args: never[]) => unknown, create: () => M): M {
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (!(existing instanceof kind)) {
      throw new KeelError('conflict', `The metric "${name}" already exists as another kind of metric`);
    }
    return existing as M;
  }
}

/** Creates a {@link MetricsRegistry}. */
export function createMetricsRegistry(options?: MetricsRegistryOptions): MetricsRegistry {
  return new MetricsRegistry(options);
}
