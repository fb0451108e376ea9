/**
 * `keel/health`: readiness checks, each with its own timeout, run in parallel.
 * @module
 */
export {
  type HealthCheck,
  type HealthCheckFn,
  type HealthCheckResult,
  HealthRegistry,
  type HealthReport,
} from './health-registry.js';
