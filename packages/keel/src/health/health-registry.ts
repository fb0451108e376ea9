import { TimeoutError } from '../errors/index.js';

/** What one check answers: nothing (healthy) or details to show. Throwing means it failed. */
export type HealthCheckFn = (signal: AbortSignal) => Promise<Record<string, unknown> | undefined | void>;

/** A readiness check. */
export interface HealthCheck {
  /** Unique name shown in the readiness body. */
  name: string;
  check: HealthCheckFn;
  /** A critical failure makes readiness 503; a non-critical one reports `degraded`. Default: `true`. */
  critical?: boolean;
  /** Past this the check counts as failed. Default: 2000 ms. */
  timeoutMs?: number;
}

/** One check's result. */
export interface HealthCheckResult {
  status: 'up' | 'down';
  critical: boolean;
  latencyMs: number;
  error?: string;
  details?: Record<string, unknown>;
}

/** The readiness report. */
export interface HealthReport {
  /** `ok`; `degraded` when a non-critical check fails; `down` when a critical one does or the service stops. */
  status: 'ok' | 'degraded' | 'down';
  checks: Record<string, HealthCheckResult>;
}

/**
 * Holds the service's readiness checks and runs them in parallel, each within its own timeout.
 *
 * @example
 * ```ts
 * health.register({ name: 'database', check: async () => { await db.selectFrom('users').select('id').limit(1).execute(); } });
 * const report = await health.run();
 * ```
 */
export class HealthRegistry {
  private readonly checks = new Map<string, Required<HealthCheck>>();

  /** Adds a check; a second one with the same name replaces the first. */
  register(check: HealthCheck): void {
    // `??` rather than spread defaults: an explicit `critical: undefined` must still mean critical.
    this.checks.set(check.name, { ...check, critical: check.critical ?? true, timeoutMs: check.timeoutMs ?? 2000 });
  }

  /** Removes a check. */
  unregister(name: string): void {
    this.checks.delete(name);
  }

  /** Runs every check in parallel. */
  async run(): Promise<HealthReport> {
    const entries = await Promise.all([...this.checks.values()].map(async (c) => [c.name, await runOne(c)] as const));
    const checks = Object.fromEntries(entries);
    const failed = entries.filter(([, result]) => result.status === 'down');
    const status = failed.some(([, r]) => r.critical) ? 'down' : failed.length > 0 ? 'degraded' : 'ok';
    return { status, checks };
  }
}

async function runOne(check: Required<HealthCheck>): Promise<HealthCheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TimeoutError(`check timed out after ${check.timeoutMs} ms`));
    }, check.timeoutMs);
  });
  try {
    const details = await Promise.race([check.check(controller.signal), timeout]);
    return {
      status: 'up',
      critical: check.critical,
      latencyMs: elapsed(started),
      ...(details ? { details } : {}),
    };
  } catch (error) {
    return {
      status: 'down',
      critical: check.critical,
      latencyMs: elapsed(started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
