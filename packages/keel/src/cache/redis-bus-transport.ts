import type { BusDriver, CreateBusDriverResult } from 'bentocache/types';
import type { AckedPubSub } from './acked-pubsub.js';

type Payload = Parameters<BusDriver['publish']>[1];

/**
 * bentocache's bus transport over {@link AckedPubSub}: publishing fails fast while Redis is down
 * (bentocache's retry queue resends later) and resolves once the other instances applied the message.
 */
class RedisBusTransport implements BusDriver {
  constructor(private readonly pubsub: AckedPubSub) {}

  setId(): BusDriver {
    return this;
  }

  onReconnect(): void {
    // bentocache's retry queue also retries on its interval; reconnects need no extra trigger.
  }

  async publish(channel: string, message: Payload): Promise<void> {
    await this.pubsub.publish(channel, JSON.stringify(message));
  }

  async subscribe<T extends Payload>(channel: string, handler: (payload: T) => void | Promise<void>): Promise<void> {
    await this.pubsub.subscribe(channel, (raw) => {
      let message: T;
      try {
        message = JSON.parse(raw) as T;
      } catch {
        return; // not one of ours: a foreign publish on the channel must not crash the process
      }
      void handler(message);
    });
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.pubsub.unsubscribe(channel);
  }

  async disconnect(): Promise<void> {
    this.pubsub.close();
  }
}

/** The bus driver of a cache: bentocache's bus (with its retry queue) over {@link AckedPubSub}. */
export function redisBus(pubsub: AckedPubSub): CreateBusDriverResult {
  return {
    options: { retryQueue: { enabled: true, maxSize: 10_000, retryInterval: 500 } },
    factory: () => new RedisBusTransport(pubsub),
  };
}
