import type { MetricsRegistry } from '../metrics/index.js';

/** keel/notify's metrics, created once per registry. */
export function notifyMetrics(metrics: MetricsRegistry) {
  return {
    notifications: metrics.counter({
      name: 'keel_notify_notifications_total',
      help: 'Notifications created, by type',
      labelNames: ['type'],
    }),
    deliveries: metrics.counter({
      name: 'keel_notify_deliveries_total',
      help: 'Delivery outcomes by channel: delivered, failed, skipped, retried, maybe_delivered, throttled',
      labelNames: ['channel', 'outcome'],
    }),
    duration: metrics.histogram({
      name: 'keel_notify_delivery_duration_seconds',
      help: 'Time of one delivery attempt, by channel and outcome',
      labelNames: ['channel', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    }),
  };
}

/** The metrics a notifier records. */
export type NotifyMetrics = ReturnType<typeof notifyMetrics>;
