// prom-client's labelled `inc`/`observe` check and hash their labels on every call (about 1 µs
// each, a twentieth of a loopback request): these collectors count into plain numbers held per
// series and build the exposition only when scraped, through prom-client's registry.

type Labels = Readonly<Record<string, string>>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** One counter series: `inc` is a field increment. */
export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
}

/** One histogram series: observations counted per bucket (not cumulated until scraped). */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let at = 0;
    while (at < bounds.length && value > bounds[at]!) at++;
    if (at < bounds.length) this.counts[at]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

abstract class LocalFamily<S extends { labels: Labels }> {
  readonly aggregator = 'sum';
  private readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series of these labels (made once, then shared: two callers never make a duplicate). */
  seriesOf(labels: Labels): S {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let known = this.series.get(key);
    if (known === undefined) {
      known = this.make(labels);
      this.series.set(key, known);
    }
    return known;
  }

  protected abstract make(labels: Labels): S;
  protected abstract samples(series: S): Sample[];

  /** For prom-client's registry, at scrape time. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    for (const series of this.series.values()) values.push(...this.samples(series));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  abstract readonly type: 'counter' | 'histogram';

  /** For prom-client's `resetMetrics`. */
  reset(): void {
    this.series.clear();
  }
}

/** A counter family counted in {@link CounterSeries}. */
export class LocalCounter extends LocalFamily<CounterSeries> {
  readonly type = 'counter' as const;
  protected make(labels: Labels): CounterSeries {
    return new CounterSeries(labels);
  }
  protected samples(series: CounterSeries): Sample[] {
    return [{ labels: series.labels, value: series.value }];
  }
}

/** A histogram family counted in {@link HistogramSeries}. */
export class LocalHistogram extends LocalFamily<HistogramSeries> {
  readonly type = 'histogram' as const;
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }
  protected make(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.bounds);
  }
  protected samples(series: HistogramSeries): Sample[] {
    const bucket = `${this.name}_bucket`;
    const out: Sample[] = [];
    let cumulated = 0;
    this.bounds.forEach((bound, at) => {
      cumulated += series.counts[at]!;
      out.push({ labels: { ...series.labels, le: String(bound) }, value: cumulated, metricName: bucket });
    });
    out.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: bucket });
    out.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
    out.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    return out;
  }
}
