import { describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.js';
import { createMetricsRegistry } from './index.js';

describe('MetricsRegistry', () => {
  it('gets or creates metrics by name and renders Prometheus text', async () => {
    const metrics = createMetricsRegistry({ defaultLabels: { service: 'planner' } });
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

  it('refuses a name taken by another kind of metric', () => {
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    metrics.counter({ name: 'things', help: 'x' });
    expect(() => metrics.gauge({ name: 'things', help: 'x' })).toThrow(KeelError);
  });

  it('keeps registries apart', async () => {
    const a = createMetricsRegistry({ defaultMetrics: false });
    const b = createMetricsRegistry({ defaultMetrics: false });
    a.counter({ name: 'only_in_a', help: 'x' }).inc();
    expect(await b.text()).not.toContain('only_in_a');
  });
});
