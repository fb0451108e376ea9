import { describe, expect, it } from 'vitest';
import { KeelError, UsageError } from '../errors/index.js';
import { MetricsRegistry } from './index.js';

describe('MetricsRegistry', () => {
  it('gets or creates metrics by name and renders Prometheus text', async () => {
    const metrics = new MetricsRegistry({ defaultLabels: { service: 'planner' } });
    const sent = metrics.counter({ name: 'mails_sent_total', help: 'Mails sent', labelNames: ['kind'] });
    expect(metrics.counter({ name: 'mails_sent_total', help: 'Mails sent', labelNames: ['kind'] })).toBe(sent);
    sent.inc({ kind: 'reminder' }, 2);
    metrics.gauge({ name: 'queue_depth', help: 'Depth' }).set(3);
    metrics.histogram({ name: 'job_seconds', help: 'Job time', buckets: [1, 5] }).observe(2);
    const text = await metrics.text();
    expect(text).toContain('mails_sent_total{kind="reminder",service="planner"} 2');
    expect(text).toContain('queue_depth{service="planner"} 3');
    expect(text).toContain('job_seconds_bucket{le="5",service="planner"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('refuses a name taken by another kind of metric, or with other labels, as a usage error', () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    metrics.counter({ name: 'things', help: 'x' });
    expect(() => metrics.gauge({ name: 'things', help: 'x' })).toThrow(KeelError);
    expect(() => metrics.gauge({ name: 'things', help: 'x' })).toThrow(
      new UsageError('metrics: the metric "things" already exists as another kind of metric'),
    );
    const runs = metrics.histogram({ name: 'runs_seconds', help: 'x', labelNames: ['queue', 'type'] });
    expect(metrics.histogram({ name: 'runs_seconds', help: 'x', labelNames: ['type', 'queue'] })).toBe(runs);
    expect(() => metrics.histogram({ name: 'runs_seconds', help: 'x', labelNames: ['queue'] })).toThrow(
      new UsageError('metrics: the metric "runs_seconds" already exists with labels [queue, type], not [queue]'),
    );
    expect(() => metrics.counter({ name: 'bad name', help: 'x' })).toThrow(UsageError);
  });

  it('keeps registries apart', async () => {
    const a = new MetricsRegistry({ defaultMetrics: false });
    const b = new MetricsRegistry({ defaultMetrics: false });
    a.counter({ name: 'only_in_a', help: 'x' }).inc();
    expect(await b.text()).not.toContain('only_in_a');
  });

  it("adds only Node's process metrics by itself, under prom-client's standard names", async () => {
    const metrics = new MetricsRegistry();
    const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names).toContain('process_resident_memory_bytes');
    expect(names).toContain('nodejs_eventloop_lag_seconds');
    // The documented exception is the whole of what the registry adds by itself.
    expect(names.filter((name) => !/^(process|nodejs)_/.test(name))).toEqual([]);
    expect(await new MetricsRegistry({ defaultMetrics: false }).registry.getMetricsAsJSON()).toEqual([]);
  });
});
