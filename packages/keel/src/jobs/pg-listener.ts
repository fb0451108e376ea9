import { createRequire } from 'node:module';
import type pg from 'pg';
import type { Logger } from 'pino';

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
 * reconnecting with backoff when the server goes away.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PgListenerOptions) {}

  /** Connects; on failure keeps retrying in the background (workers poll meanwhile). */
  start(): Promise<void> {
    return this.connect();
  }

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
        this.schedule();
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
      if (!this.stopped) {
        this.options.logger.warn({ err: error }, 'could not listen for job notifications; retrying');
        this.schedule();
      }
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = 100;
    this.options.onConnect();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(5000, this.retryMs * 2);
  }

  /** Stops listening and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
