import type { BusDriver, CreateBusDriverResult } from 'bentocache/types';
import type { Redis } from 'ioredis';

type Payload = Parameters<BusDriver['publish']>[1];
type Handler = (payload: Payload) => void | Promise<void>;

/**
 * bentocache's bus transport over the cache's own Redis connections: publishing fails fast while Redis
 * is down (bentocache's retry queue resends later) and subscribing waits for the connection.
 */
class RedisBusTransport implements BusDriver {
  private id = '';
  private readonly handlers = new Map<string, Handler[]>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
  ) {
    subscriber.on('message', this.onMessage);
  }

  setId(id: string): BusDriver {
    this.id = id;
    return this;
  }

  onReconnect(callback: () => void): void {
    this.subscriber.on('ready', callback);
  }

  async publish(channel: string, message: Payload): Promise<void> {
    await this.publisher.publish(channel, JSON.stringify({ b: this.id, p: message }));
  }

  async subscribe<T extends Payload>(channel: string, handler: (payload: T) => void | Promise<void>): Promise<void> {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler as Handler]);
    // bentocache does not await this call: a failure must not surface as an unhandled rejection.
    await this.subscriber.subscribe(channel).catch(() => undefined);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
    await this.subscriber.unsubscribe(channel).catch(() => undefined);
  }

  async disconnect(): Promise<void> {
    this.subscriber.off('message', this.onMessage);
  }

  private readonly onMessage = (channel: string, raw: string): void => {
    const handlers = this.handlers.get(channel);
    if (!handlers) return;
    let decoded: { b: string; p: Payload };
    try {
      decoded = JSON.parse(raw) as { b: string; p: Payload };
    } catch {
      return;
    }
    if (decoded.b === this.id) return;
    for (const handler of handlers) void handler(decoded.p);
  };
}

/** The bus driver of a cache: bentocache's bus (with its retry queue) over {@link RedisBusTransport}. */
export function redisBus(publisher: Redis, subscriber: Redis): CreateBusDriverResult {
  return {
    options: { retryQueue: { enabled: true, maxSize: 10_000, retryInterval: 500 } },
    factory: () => new RedisBusTransport(publisher, subscriber),
  };
}
