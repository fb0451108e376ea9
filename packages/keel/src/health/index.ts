/**
 * `keel/health`: readiness checks, each with its own timeout, run in parallel.
 * @module
 */
export {
  HealthRegistry,
  type HealthCheck,
  type HealthCheckFn,
  type HealthCheckResult,
  type HealthReport,
} from './health-registry.js';
