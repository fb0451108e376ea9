import { z } from 'zod';
import { checkOptions, option } from '../config/check-options.js';
import { TimeoutError } from '../errors/index.js';

/**
 * A readiness check.
 *
 * @example
 * ```ts
 * const mail: HealthCheck = {
 *   name: 'smtp',
 *   critical: false,
 *   timeoutMs: 1000,
 *   check: async (signal) => ({ queued: await mailer.queueLength({ signal }) }),
 * };
 * ```
 */
export interface HealthCheck {
  /** Unique name shown in the readiness body: 1-128 letters, digits or `._:-`. */
  name: string;
  /**
   * Resolves (with details to show, or nothing) when healthy; throwing or rejecting means it
   * failed. `signal` aborts when the check runs past its timeout.
   */
  check: (signal: AbortSignal) => Promise<Record<string, unknown> | undefined | void>;
  /** A critical failure makes readiness 503; a non-critical one reports `degraded`. Default: `true`. */
  critical?: boolean;
  /** Past this the check counts as failed and its signal aborts. Default: 2000 ms. */
  timeoutMs?: number;
}

/**
 * One check's result in a {@link HealthReport}.
 *
 * @example
 * ```ts
 * const result: HealthCheckResult = { status: 'down', critical: true, latencyMs: 2000.4, error: 'check timed out after 2000 ms' };
 * ```
 */
export interface HealthCheckResult {
  status: 'up' | 'down';
  critical: boolean;
  /** How long the check took. */
  latencyMs: number;
  /** Why it failed (the thrown error's message). */
  error?: string;
  /** What a passing check answered. */
  details?: Record<string, unknown>;
}

/**
 * The readiness report.
 *
 * @example
 * ```ts
 * const report: HealthReport = await health.run();
 * if (report.status === 'down') logger.warn({ checks: report.checks }, 'not ready');
 * ```
 */
export interface HealthReport {
  /** `ok`; `degraded` when a non-critical check fails; `down` when a critical one does or the service stops. */
  status: 'ok' | 'degraded' | 'down';
  checks: Record<string, HealthCheckResult>;
}

const checkSchema = z.object({
  name: option.name(),
  check: option.fn<HealthCheck['check']>(),
  // `undefined` (explicit or not) means critical.
  critical: z
    .boolean()
    .optional()
    .transform((critical) => critical ?? true),
  timeoutMs: option.positiveDurationMs().default(2000),
});

type ResolvedCheck = z.output<typeof checkSchema>;

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
  private readonly checks = new Map<string, ResolvedCheck>();

  /**
   * Adds a check; a second one with the same name replaces the first. A malformed check (a bad
   * name, no function, a timeout that is not a whole number of ms above 0) throws a UsageError.
   */
  register(check: HealthCheck): void {
    const resolved = checkOptions('health.register', checkSchema, check);
    this.checks.set(resolved.name, resolved);
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

async function runOne(check: ResolvedCheck): Promise<HealthCheckResult> {
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
