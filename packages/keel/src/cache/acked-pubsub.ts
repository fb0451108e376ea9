import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** One publish waiting for acks; `released` when a dropped connection ended the wait early. */
interface AckWait {
  needed: number;
  got: number;
  released: boolean;
  done: () => void;
}

// A message is `<sender id><sequence>:<payload>`: framing, not JSON, so a payload is never escaped
// again and an instance skips its own messages (Redis delivers them too) without parsing them.
const ID_LENGTH = 24;

/** What one publish saw: how many other instances received it, and how many of them acknowledged it. */
export interface PublishOutcome {
  receivers: number;
  acked: number;
}

/** Handles one message; returning `false` withholds the ack (the sender then counts this instance as not done). */
export type MessageHandler = (payload: string) => boolean | undefined | void;

/**
 * Redis pub/sub where a publish resolves once every other subscribed instance has handled the
 * message (each acknowledges on the sender's own channel), or after `ackWaitMs`. Redis answers the
 * publisher before delivering to subscribers, so a plain publish could return while other instances
 * still serve the old value; waiting for their acks gives read-your-writes across instances.
 */
export class AckedPubSub {
  readonly id = randomBytes(ID_LENGTH / 2).toString('hex');
  private sequence = 0;
  private readonly handlers = new Map<string, MessageHandler>();
  private readonly waiting = new Map<number, AckWait>();
  private readonly ackChannel: string;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly ackWaitMs: number,
    namespace: string,
    private readonly unavailable: () => boolean,
  ) {
    this.ackChannel = `${namespace}:ack:${this.id}`;
    subscriber.on('message', this.onMessage);
    // A dropped connection brings no more acks: writes waiting for them go on at once.
    subscriber.on('close', this.releaseWaiting);
    publisher.on('close', this.releaseWaiting);
  }

  /** Subscribes `handler` to `channel` (and this instance to its ack channel). Never rejects. */
  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.handlers.set(channel, handler);
    await this.subscriber.subscribe(channel, this.ackChannel).catch(() => undefined);
  }

  /** Stops handling `channel`. */
  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
    await this.subscriber.unsubscribe(channel).catch(() => undefined);
  }

  /**
   * Publishes, then waits for the other instances' acks (at most `waitMs`, default `ackWaitMs`).
   * Rejects when Redis fails.
   */
  async publish(channel: string, payload: string, waitMs = this.ackWaitMs): Promise<PublishOutcome> {
    // While Redis is known down, fail at once: bentocache's retry queue resends later, writes never wait.
    if (this.unavailable()) throw new Error('Redis is unavailable');
    this.sequence += 1;
    const sequence = this.sequence;
    let timer: NodeJS.Timeout | undefined;
    // Registered before publishing: an ack (on the subscriber connection) may beat the PUBLISH reply.
    const state: AckWait = { needed: Number.POSITIVE_INFINITY, got: 0, released: false, done: () => undefined };
    this.waiting.set(sequence, state);
    const started = Date.now();
    try {
      const receivers = await this.publisher.publish(channel, `${this.id}${sequence}:${payload}`);
      // Every receiver but this instance's own subscriber acknowledges.
      state.needed = receivers - (this.handlers.has(channel) ? 1 : 0);
      // No other instance, or all acked already: no promise or timer to set up.
      if (!state.released && state.got < state.needed) {
        await new Promise<void>((resolve) => {
          state.done = resolve;
          timer = setTimeout(resolve, Math.max(0, waitMs - (Date.now() - started)));
        });
      }
      return { receivers: state.needed, acked: state.released ? 0 : Math.min(state.got, state.needed) };
    } finally {
      clearTimeout(timer);
      this.waiting.delete(sequence);
    }
  }

  /** Stops listening. */
  close(): void {
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('close', this.releaseWaiting);
    this.publisher.off('close', this.releaseWaiting);
  }

  private readonly releaseWaiting = (): void => {
    for (const state of this.waiting.values()) {
      state.released = true;
      state.done();
    }
  };

  private readonly onMessage = (channel: string, raw: string): void => {
    if (channel === this.ackChannel) {
      const state = this.waiting.get(Number(raw));
      if (state) {
        state.got += 1;
        if (state.got >= state.needed) state.done();
      }
      return;
    }
    if (raw.startsWith(this.id)) return;
    const handler = this.handlers.get(channel);
    const separator = raw.indexOf(':', ID_LENGTH);
    if (!handler || separator < 0) return;
    if (handler(raw.slice(separator + 1)) === false) return;
    // Acknowledged after the handler ran: the sender's write now returns.
    const ack = raw.slice(ID_LENGTH, separator);
    this.publisher.publish(this.ackChannelOf(raw.slice(0, ID_LENGTH)), ack).catch(() => undefined);
  };

  private ackChannelOf(sender: string): string {
    return this.ackChannel.slice(0, this.ackChannel.length - this.id.length) + sender;
  }
}
