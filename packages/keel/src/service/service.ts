import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { ConfigError, UnavailableError, UsageError } from '../errors/index.js';
import { HealthRegistry } from '../health/index.js';
import { MetricsRegistry } from '../metrics/index.js';
import type { Component, ComponentContext, ServiceState, StopContext } from './component.js';
import { startOrder } from './start-order.js';

/**
 * Options of {@link Service}.
 *
 * @example
 * ```ts
 * const service = new Service({ name: 'planner', logger, shutdownGraceMs: 20_000, shutdownDelayMs: 5_000 });
 * ```
 */
export interface ServiceOptions {
  /** Shown in logs and metrics labels. */
  name: string;
  logger: Logger;
  /** How long an orderly shutdown may take, delay included. Default: 10000 ms. */
  shutdownGraceMs?: number;
  /**
   * How long to keep serving normally after the signal, readiness already 503, before anything
   * stops: load balancers stop routing first (the pre-stop pattern). Below the grace. Default: 0 ms.
   */
  shutdownDelayMs?: number;
  /** Default: a new registry with process metrics. */
  metrics?: MetricsRegistry;
  /** Default: a new, empty registry. */
  health?: HealthRegistry;
}

/**
 * How a shutdown ended.
 *
 * @example
 * ```ts
 * const result: StopResult = await service.stop('tests finished');
 * if (!result.clean) logger.warn({ abandoned: result.abandoned }, 'shutdown cut work short');
 * ```
 */
export interface StopResult {
  /** Every component stopped within the grace period. */
  clean: boolean;
  /** What was cut short, one line each. */
  abandoned: string[];
  /** What `run()` exits with: 0 when clean, 1 otherwise. */
  exitCode: number;
}

// How long a component may take to give up once the grace period is over.
const ABANDON_MS = 1000;

/**
 * Owns a set of components: starts them in dependency order, stops them in reverse, and turns
 * SIGTERM/SIGINT and fatal errors into one orderly, time-bounded shutdown.
 *
 * @example
 * ```ts
 * const service = new Service({ name: 'planner', logger });
 * service.add(store).add(http);
 * await service.run(); // starts, then exits 0 after a clean SIGTERM
 * ```
 */
export class Service {
  readonly name: string;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly health: HealthRegistry;
  private readonly shutdownGraceMs: number;
  private readonly shutdownDelayMs: number;
  private readonly components: Component[] = [];
  private started: Component[] = [];
  private currentState: ServiceState = 'idle';
  private stopping: Promise<StopResult> | undefined;
  private startSettled: Promise<void> = Promise.resolve();

  constructor(options: ServiceOptions) {
    this.name = options.name;
    this.logger = options.logger;
    this.shutdownGraceMs = options.shutdownGraceMs ?? 10_000;
    this.shutdownDelayMs = options.shutdownDelayMs ?? 0;
    const problems = (['shutdownGraceMs', 'shutdownDelayMs'] as const)
      .filter((name) => !Number.isInteger(this[name]) || this[name] < 0)
      .map((name) => `${name} must be an integer >= 0`);
    if (this.shutdownDelayMs > 0 && this.shutdownDelayMs >= this.shutdownGraceMs) {
      problems.push(
        'shutdownDelayMs must be shorter than shutdownGraceMs, which includes it (SHUTDOWN_DELAY_MS, SHUTDOWN_GRACE_MS)',
      );
    }
    // A ConfigError, as from loadConfig: a service's main prints it and exits 1.
    if (problems.length > 0) throw new ConfigError(problems);
    this.metrics = options.metrics ?? new MetricsRegistry({ defaultLabels: { service: options.name } });
    this.health = options.health ?? new HealthRegistry();
  }

  /** The lifecycle state. */
  get state(): ServiceState {
    return this.currentState;
  }

  /** Adds a component; only before `start`. */
  add(component: Component): this {
    if (this.currentState !== 'idle') throw new UsageError('Components can only be added before the service starts');
    if (typeof component?.start !== 'function' || typeof component.stop !== 'function')
      throw new UsageError('service.add: a component needs start() and stop()');
    if (this.components.some((c) => c.name === component.name)) {
      throw new UsageError(`The service already has a component named "${component.name}"`);
    }
    this.components.push(component);
    return this;
  }

  /**
   * Starts every component in dependency order; if one fails (or `stop` is called meanwhile), stops
   * those already started and rejects. Rejects with a `config` {@link KeelError} on a dependency cycle
   * or an unknown dependency, before anything starts.
   */
  async start(): Promise<void> {
    if (this.currentState !== 'idle') throw new UsageError(`The service cannot start while ${this.currentState}`);
    // Ordered before the state changes: a cycle must leave the service idle, not stuck in `starting`.
    const ordered = startOrder(this.components);
    this.currentState = 'starting';
    let settle!: () => void;
    this.startSettled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    let failure: { error: unknown } | undefined;
    for (const component of ordered) {
      if (this.stopping) {
        failure = { error: new UnavailableError(`The service "${this.name}" was stopped while starting`) };
        break;
      }
      const logger = this.logger.child({ component: component.name });
      const context: ComponentContext = {
        logger,
        metrics: this.metrics,
        health: this.health,
        state: () => this.currentState,
      };
      try {
        await component.start(context);
        this.started.push(component);
        logger.debug('component started');
      } catch (error) {
        logger.error({ err: error }, 'component failed to start');
        failure = { error };
        break;
      }
    }
    settle();
    if (failure) {
      await this.stop('start failed');
      throw failure.error;
    }
    this.currentState = 'running';
    this.logger.info({ components: ordered.map((c) => c.name) }, 'service started');
  }

  /** Stops every started component in reverse order within the grace period. Safe to call twice. */
  stop(reason = 'stop requested'): Promise<StopResult> {
    this.stopping ??= this.stopAll(reason);
    return this.stopping;
  }

  private async stopAll(reason: string): Promise<StopResult> {
    const wasStarting = this.currentState === 'starting';
    this.currentState = 'stopping';
    // A component still starting finishes first; start() then stops launching the rest.
    if (wasStarting) await this.startSettled;
    const deadline = Date.now() + this.shutdownGraceMs;
    this.logger.info({ reason, graceMs: this.shutdownGraceMs }, 'service stopping');
    const controller = new AbortController();
    // Every component may listen for the end of the grace period: one listener each is no leak.
    setMaxListeners(0, controller.signal);
    const graceTimer = setTimeout(() => controller.abort(), this.shutdownGraceMs);
    graceTimer.unref();
    const abandoned: string[] = [];
    if (this.shutdownDelayMs > 0 && !wasStarting) {
      this.logger.info({ delayMs: this.shutdownDelayMs }, 'readiness is down; serving on until the delay ends');
      await new Promise((resolve) => setTimeout(resolve, this.shutdownDelayMs));
    }
    for (const component of this.started) {
      try {
        component.beginShutdown?.();
      } catch (error) {
        this.logger.error({ err: error, component: component.name }, 'beginShutdown failed');
      }
    }
    for (const component of [...this.started].reverse()) {
      const logger = this.logger.child({ component: component.name });
      const context: StopContext = {
        logger,
        signal: controller.signal,
        deadline,
        reportAbandoned: (what) => abandoned.push(`${component.name}: ${what}`),
      };
      const outcome = await stopWithin(component.stop(context), controller.signal);
      if (outcome.status === 'abandoned') {
        abandoned.push(`${component.name}: did not stop in time`);
      } else if (outcome.status === 'failed') {
        abandoned.push(`${component.name}: stop failed (${errorMessage(outcome.error)})`);
        logger.error({ err: outcome.error }, 'component failed to stop');
      }
    }
    clearTimeout(graceTimer);
    this.started = [];
    this.currentState = 'stopped';
    const clean = abandoned.length === 0 && !controller.signal.aborted;
    if (clean) this.logger.info('service stopped');
    else
      this.logger.error({ abandoned, graceMs: this.shutdownGraceMs }, 'service stopped uncleanly; this work was cut');
    return { clean, abandoned, exitCode: clean ? 0 : 1 };
  }

  /**
   * Starts the service and keeps it until SIGTERM or SIGINT, then stops it and exits the process:
   * 0 after a clean shutdown, 1 otherwise. A second signal exits at once (1). Uncaught exceptions and
   * unhandled rejections are logged as fatal and stop the service the same way (exit 1). A failed
   * start exits 1.
   */
  async run(): Promise<void> {
    let crashed = false;
    let exiting = false;
    const exit = (code: number): void => {
      if (exiting) return;
      exiting = true;
      process.exitCode = code;
      process.exit(code);
    };
    const shutdown = (reason: string): void => {
      void this.stop(reason).then((result) => exit(crashed ? 1 : result.exitCode));
    };
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        this.logger.fatal({ signal }, 'second signal: exiting at once');
        exit(1);
        return;
      }
      this.logger.info({ signal }, 'signal received: shutting down');
      shutdown(signal);
    };
    const onFatal = (error: unknown, origin: string): void => {
      crashed = true;
      this.logger.fatal({ err: error, origin }, 'fatal error: shutting down');
      shutdown(origin);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('uncaughtException', (error) => onFatal(error, 'uncaughtException'));
    process.on('unhandledRejection', (error) => onFatal(error, 'unhandledRejection'));
    try {
      await this.start();
    } catch (error) {
      // A signal during start already shut down the started components: exit as that shutdown says.
      if (signals > 0) return;
      this.logger.fatal({ err: error }, 'service failed to start');
      exit(1);
    }
  }
}

type StopOutcome = { status: 'stopped' } | { status: 'failed'; error: unknown } | { status: 'abandoned' };

// Waits for a component's stop; once the grace period is over it gets ABANDON_MS more, then is left behind.
async function stopWithin(stopping: Promise<void>, signal: AbortSignal): Promise<StopOutcome> {
  const settled = stopping.then(
    (): StopOutcome => ({ status: 'stopped' }),
    (error: unknown): StopOutcome => ({ status: 'failed', error }),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<StopOutcome>((resolve) => {
    const giveUp = (): void => {
      timer = setTimeout(() => resolve({ status: 'abandoned' }), ABANDON_MS);
    };
    if (signal.aborted) giveUp();
    else signal.addEventListener('abort', giveUp, { once: true });
  });
  const outcome = await Promise.race([settled, late]);
  clearTimeout(timer);
  return outcome;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
