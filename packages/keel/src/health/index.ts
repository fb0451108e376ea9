/**
 * `keel/health`: readiness checks, each with its own timeout, run in parallel; served by
 * `keel/http` at `/health/ready` (503 when a critical check fails or the service stops).
 *
 * @example
 * ```ts
 * service.health.register({ name: 'smtp', critical: false, timeoutMs: 1000, check: () => mailer.verify() });
 * ```
 * @module
 */
export { type HealthCheck, type HealthCheckResult, HealthRegistry, type HealthReport } from './health-registry.js';
