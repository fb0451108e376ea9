import type { Logger } from 'pino';
import type { HealthRegistry } from '../health/index.js';
import type { MetricsRegistry } from '../metrics/index.js';

/**
 * What a component is given when it starts.
 *
 * @example
 * ```ts
 * async start(context: ComponentContext) { context.health.register(check); context.logger.info('ready'); }
 * ```
 */
export interface ComponentContext {
  /** The service's logger, bound to the component's name. */
  logger: Logger;
  /** The service's one metrics registry. */
  metrics: MetricsRegistry;
  /** The service's readiness checks. */
  health: HealthRegistry;
  /** The service's lifecycle state, read at any time (e.g. readiness turns 503 while `stopping`). */
  state(): ServiceState;
}

/**
 * What a component is given when it stops.
 *
 * @example
 * ```ts
 * async stop(context: StopContext) { await this.drain(context.signal); }
 * ```
 */
export interface StopContext {
  logger: Logger;
  /** Aborts when the shutdown grace period is over: finish fast, abandoning what remains. */
  signal: AbortSignal;
  /** When the grace period ends, in `Date.now()` milliseconds. */
  deadline: number;
  /** Records a piece of work cut short, for the shutdown log (e.g. `"3 HTTP requests"`). */
  reportAbandoned(what: string): void;
}

/**
 * A part of a service (store, jobs, HTTP server, ...). Components start in dependency order and stop
 * in reverse.
 *
 * @example
 * ```ts
 * const clock: Component = {
 *   name: 'clock',
 *   async start(ctx) { ctx.logger.info('tick'); },
 *   async stop() {},
 * };
 * ```
 */
export interface Component {
  /** Unique within the service. */
  readonly name: string;
  /** Names of components that must start before this one and stop after it. Default: none. */
  readonly dependsOn?: readonly string[];
  /**
   * Takes traffic from outside (an HTTP server, a bot's poller): starts after every other
   * component and stops before them, without being told. Default: `false`.
   */
  readonly ingress?: boolean;
  start(context: ComponentContext): Promise<void>;
  stop(context: StopContext): Promise<void>;
  /** Called on every component, at once, when shutdown begins, before any `stop` (e.g. stop taking work). */
  beginShutdown?(): void;
}

/**
 * The lifecycle of a service.
 *
 * @example
 * ```ts
 * if (service.state === 'stopping') throw new UnavailableError('Shutting down');
 * ```
 */
export type ServiceState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';
