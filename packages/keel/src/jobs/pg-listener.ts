import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type RetryPolicy, retry } from '../resilience/index.js';

/** Options of {@link PgListener}. */
export interface PgListenerOptions {
  /** Connection settings, taken from the store's pool. */
  config: pg.ClientConfig;
  channel: string;
  logger: Logger;
  /** Called with the notification's payload (the queue's name). */
  onNotify(payload: string): void;
  /** Called after every (re)connection: notifications may have been missed meanwhile. */
  onConnect(): void;
}

/**
 * LISTENs on a dedicated PostgreSQL connection (a pooled one could be handed to a query mid-listen),
 * reconnecting with backoff when the server goes away (keel/resilience's retry, until stopped).
 */
export class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private reconnecting: Promise<void> | undefined;
  // Connection attempts, from 100 ms doubling to 5 s with jitter, until one succeeds or the listener stops.
  private readonly reconnect: RetryPolicy = retry({
    name: 'jobs-listener',
    maxRetries: Number.POSITIVE_INFINITY,
    baseDelayMs: 100,
    maxDelayMs: 5000,
    isTransient: () => !this.stopped,
  });

  constructor(private readonly options: PgListenerOptions) {}

  /** Connects; on failure keeps retrying in the background (workers poll meanwhile). */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      if (this.stopped) return;
      this.options.logger.warn({ err: error }, 'could not listen for job notifications; retrying');
      this.keepConnecting();
    }
  }

  // One connection attempt: resolves once listening, throws when it could not.
  private async connect(): Promise<void> {
    if (this.stopped) return;
    // Loaded on first use, like the store's pool: SQLite services never load the driver.
    const { Client } = createRequire(import.meta.url)('pg') as typeof pg;
    const client = new Client({ ...this.options.config, keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel === this.options.channel) this.options.onNotify(message.payload ?? '');
    });
    const lost = (error?: unknown): void => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (!this.stopped) {
        this.options.logger.warn({ err: error }, 'job notifications lost; reconnecting');
        this.keepConnecting();
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`listen ${this.options.channel}`);
    } catch (error) {
      client.removeAllListeners('end');
      void client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.options.onConnect();
  }

  // Reconnects in the background: a first pause (a server that accepts then drops must not spin us), then attempts.
  private keepConnecting(): void {
    if (this.stopped || this.reconnecting !== undefined) return;
    const signal = this.stopping.signal;
    this.reconnecting = sleep(100, undefined, { signal })
      .then(() =>
        this.reconnect.execute(
          async ({ attempt }) => {
            try {
              await this.connect();
            } catch (error) {
              if (!this.stopped && attempt === 0)
                this.options.logger.warn({ err: error }, 'could not listen for job notifications; retrying');
              throw error;
            }
          },
          { signal },
        ),
      )
      .catch(() => undefined)
      .finally(() => {
        this.reconnecting = undefined;
      });
  }

  /** Stops listening and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
