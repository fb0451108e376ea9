import type { MetricsRegistry } from '../metrics/index.js';
import type { HttpApp } from './http-server.js';

/** Observes `keel_http_request_duration_seconds` by method, route pattern (never the raw URL) and status. */
export function registerMetrics(app: HttpApp, metrics: MetricsRegistry): void {
  const duration = metrics.histogram({
    name: 'keel_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  // Callback style: an async hook costs a promise and a microtask hop on every request.
  app.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? '(unmatched)', status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
