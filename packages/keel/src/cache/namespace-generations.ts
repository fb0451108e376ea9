import type { AckedPubSub } from './acked-pubsub.js';
import type { HotKey } from './memory-hits.js';
import type { RedisClients } from './redis-clients.js';

/** The key prefixes of a namespace's current generation. */
export interface NamespaceKeys {
  /** `<namespace>:<generation>:`, before a key given to bentocache. */
  readonly key: string;
  /** `<cache prefix>:<namespace>:<generation>:`, before a key in the memory tier's LRU. */
  readonly memory: string;
  /** What the memory hits remember of this generation's hot keys (dropped with the generation). */
  readonly hot: Map<string, HotKey>;
}

/**
 * Each namespace has a generation that is part of every key in it, so `clear(namespace)` is one
 * increment: the old keys are never read again and expire on their own, with no scan of Redis keys.
 * Generations live in one Redis hash and changes reach the other instances over pub/sub.
 */
export class NamespaceGenerations {
  private readonly generations = new Map<string, number>();
  // The key prefixes of each namespace's generation, built once per change rather than once per call.
  private readonly keyPrefixes = new Map<string, NamespaceKeys>();
  private readonly prefix: string;
  private readonly hashKey: string;
  private readonly channel: string;
  private readonly clients: RedisClients | undefined;
  private readonly onChange: (namespace: string) => void;
  private readonly pubsub: AckedPubSub | undefined;

  constructor(
    prefix: string,
    clients: RedisClients | undefined,
    pubsub: AckedPubSub | undefined,
    onChange: (namespace: string) => void,
  ) {
    this.prefix = prefix;
    this.hashKey = `${prefix}:__keel:namespaces`;
    this.channel = `keel-cache:${prefix}:namespaces`;
    this.clients = clients;
    this.pubsub = pubsub;
    this.onChange = onChange;
  }

  /** The key prefix of a namespace's current generation. */
  keyPrefix(namespace: string): string {
    return this.keysOf(namespace).key;
  }

  /** The key prefixes of a namespace's current generation (made once, then read on every call). */
  keysOf(namespace: string): NamespaceKeys {
    let keys = this.keyPrefixes.get(namespace);
    if (keys === undefined) {
      keys = this.keysAt(namespace, this.generations.get(namespace) ?? 0);
      this.keyPrefixes.set(namespace, keys);
    }
    return keys;
  }

  /** Subscribes to other instances' changes. */
  async subscribe(): Promise<void> {
    await this.pubsub?.subscribe(this.channel, this.onMessage);
  }

  /** Reads every generation from Redis (after start or an outage). */
  async reload(): Promise<void> {
    if (!this.clients) return;
    const stored = await this.clients.command.hgetall(this.hashKey);
    for (const [namespace, generation] of Object.entries(stored)) this.adopt(namespace, Number(generation), true);
  }

  /** Moves a namespace to a new generation in Redis and tells the other instances. Throws when Redis fails. */
  async bump(namespace: string): Promise<void> {
    if (!this.clients) {
      this.bumpLocally(namespace);
      return;
    }
    const generation = await this.clients.command.hincrby(this.hashKey, namespace, 1);
    this.adopt(namespace, generation, false);
    await this.pubsub?.publish(this.channel, `${generation} ${namespace}`);
  }

  /** Moves a namespace to a new generation in this process only (Redis unreachable). */
  bumpLocally(namespace: string): void {
    this.adopt(namespace, (this.generations.get(namespace) ?? 0) + 1, true);
  }

  /** Namespaces known to this process. */
  names(): string[] {
    return [...this.generations.keys()];
  }

  private adopt(namespace: string, generation: number, exact: boolean): void {
    const current = this.generations.get(namespace) ?? 0;
    const next = exact ? generation : Math.max(current, generation);
    if (next === current && this.generations.has(namespace)) return;
    this.generations.set(namespace, next);
    this.keyPrefixes.set(namespace, this.keysAt(namespace, next));
    this.onChange(namespace);
  }

  private keysAt(namespace: string, generation: number): NamespaceKeys {
    const key = `${namespace}:${generation}:`;
    return { key, memory: `${this.prefix}:${key}`, hot: new Map() };
  }

  private readonly onMessage = (message: string): void => {
    const space = message.indexOf(' ');
    const generation = Number(message.slice(0, space));
    if (space > 0 && Number.isInteger(generation)) this.adopt(message.slice(space + 1), generation, false);
  };
}
