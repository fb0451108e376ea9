import type { Redis } from 'ioredis';
import type { AckedPubSub } from './acked-pubsub.js';

/**
 * Whether every other instance on this prefix is past an outage, so none can still write without
 * telling this one. Each instance answers a query on a status channel with an ack only while it is
 * not degraded. How many answers to expect is the channel's subscriber count read while all was
 * healthy: right after an outage a peer that has not reconnected yet is not subscribed, so the
 * count of the query's receivers alone would leave it out.
 */
export class RecoveredPeers {
  private readonly channel: string;
  private subscribed: Promise<void> | undefined;
  // The two last healthy counts: a drop counts only once two reads agree (a peer that went down a
  // moment before this instance noticed the outage still counts).
  private lastCount = 0;
  private knownPeers = 0;

  constructor(
    private readonly command: Redis,
    private readonly pubsub: AckedPubSub,
    prefix: string,
    private readonly degraded: () => boolean,
  ) {
    this.channel = `keel-cache:${prefix}:status`;
  }

  /** Answers the other instances' queries. */
  subscribe(): Promise<void> {
    this.subscribed ??= this.pubsub.subscribe(this.channel, () => !this.degraded());
    return this.subscribed;
  }

  /** Reads how many other instances there are (call it while this one is healthy). Throws when Redis fails. */
  async count(): Promise<void> {
    await this.subscribe();
    const reply = (await this.command.pubsub('NUMSUB', this.channel)) as [string, number];
    // This instance's own subscription is one of them.
    const peers = Math.max(0, Number(reply[1]) - 1);
    this.knownPeers = Math.max(peers, this.lastCount);
    this.lastCount = peers;
  }

  /** True when other instances were counted lately. */
  hasPeers(): boolean {
    return this.knownPeers > 0;
  }

  /** True when every other instance answered that it is not degraded (waits at most `waitMs`). Throws when Redis fails. */
  async allRecovered(waitMs: number): Promise<boolean> {
    await this.subscribe();
    const { receivers, acked } = await this.pubsub.publish(this.channel, '?', waitMs);
    return acked >= receivers && receivers >= this.knownPeers;
  }
}
