import { setTimeout as sleep } from 'node:timers/promises';
import { toCacheError } from './errors.js';
import { isJournalEmpty, type OutageJournal } from './outage.js';
import type { RedisClients } from './redis-clients.js';
import type { CacheParts } from './setup.js';

// After an outage: how long one query waits for the other instances' answers, and the pause between queries.
const SETTLE_QUERY_MS = 200;
const SETTLE_PAUSE_MS = 50;
// How often a healthy instance counts the others (what it waits for after an outage).
const PEER_COUNT_MS = 1000;

/**
 * A cache through Redis outages: writes made while Redis is down are journaled; once Redis answers
 * again the journal is replayed, the memory tier emptied, and strict namespaces wait until every
 * other instance has recovered too. While healthy, it keeps the count of other instances fresh and
 * probes Redis, so even an instance that only serves memory hits notices a Redis that hangs.
 */
export class OutageRecovery {
  private timer: NodeJS.Timeout | undefined;
  private recovering: Promise<boolean> | undefined;
  private peersCountedAt = 0;
  private probing = false;

  constructor(private readonly parts: CacheParts) {
    if (parts.clients) this.watchConnections(parts.clients);
  }

  /** After connecting at start (`up`: every connection is ready): the first recovery, then one per `recoveryIntervalMs`. */
  async start(up: boolean): Promise<void> {
    // Counted before the first recovery, which waits for the instances counted.
    if (up) await this.parts.peers?.count().catch(() => undefined);
    this.peersCountedAt = Date.now();
    if (!up || !(await this.recover())) this.parts.logger.warn('cache: Redis unreachable at start, starting degraded');
    this.timer = setInterval(() => this.tick(), this.parts.options.recoveryIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Runs a write; one made while Redis is down (or that saw it fail) is journaled for the recovery to replay. */
  async journaled(
    record: (journal: OutageJournal) => void,
    write: () => Promise<unknown>,
    what: string,
  ): Promise<void> {
    const { outage } = this.parts;
    const episode = outage.episode;
    const wasDegraded = outage.degraded;
    try {
      await write();
    } catch (error) {
      throw toCacheError(error, what);
    } finally {
      if (this.parts.clients && (wasDegraded || outage.degraded || outage.episode !== episode)) {
        record(outage.journal);
        // The recovery ended while this write ran: its journal entry would otherwise wait for the next outage.
        if (!outage.degraded) await this.replayLate();
      }
    }
  }

  /** Moves a namespace to a new generation: through Redis, or locally and journaled while it is down. */
  async clear(namespace: string): Promise<void> {
    const { outage, generations } = this.parts;
    if (!this.parts.clients) {
      generations.bumpLocally(namespace);
      return;
    }
    if (!outage.degraded) {
      try {
        await generations.bump(namespace);
        return;
      } catch (error) {
        outage.markDown(error instanceof Error ? error.message : String(error), false);
      }
    }
    generations.bumpLocally(namespace);
    outage.journal.namespaces.add(namespace);
  }

  private async replayLate(): Promise<void> {
    const journal = this.parts.outage.takeJournal();
    try {
      await this.replay(journal);
    } catch {
      // Redis failed again (the tier marked the outage): the next recovery replays it.
      this.parts.outage.restoreJournal(journal);
    }
  }

  private watchConnections(clients: RedisClients): void {
    for (const client of [clients.command, clients.publisher, clients.subscriber]) {
      // ioredis reports every failed reconnect; the outage itself is logged once.
      client.on('error', (error: Error) => this.parts.logger.debug({ err: error }, 'cache: Redis connection error'));
      client.on('close', () => {
        if (!this.parts.stopping) this.parts.outage.markDown('connection closed', false);
      });
    }
  }

  private tick(): void {
    if (this.recovering || this.parts.stopping) return;
    if (!this.parts.outage.degraded) {
      this.countPeers();
      this.probe();
      return;
    }
    this.recovering = this.recover().finally(() => {
      this.recovering = undefined;
    });
  }

  /**
   * Once Redis answers again (and bentocache's circuit breaker has closed): replays the journal
   * (deletes the keys written meanwhile from Redis and every instance's memory, re-invalidates tags,
   * re-clears namespaces), reloads namespace generations, then empties this process's memory tier,
   * which may hold values other instances changed during the outage. Only then is Redis used again.
   */
  private async recover(): Promise<boolean> {
    const { clients, outage, options, logger } = this.parts;
    if (!clients || !outage.degraded) return true;
    if (Date.now() < outage.lastThrowAt + options.circuitBreakerDurationMs + 20) return false;
    if (![clients.command, clients.publisher, clients.subscriber].every((c) => c.status === 'ready')) return false;
    try {
      await clients.command.ping();
      if (await this.parts.leases?.checkServer()) {
        logger.warn(
          'cache: Redis is older than 7.0; cross-instance loads use a lock key (one more round trip per miss)',
        );
      }
    } catch {
      return false;
    }
    const throwsBefore = outage.lastThrowAt;
    const since = outage.since;
    const episode = outage.episode;
    const up = await outage.replaying(async () => {
      for (let round = 0; round < 10; round += 1) {
        const journal = outage.takeJournal();
        if (isJournalEmpty(journal)) break;
        try {
          await this.replay(journal);
        } catch {
          outage.restoreJournal(journal);
          return false;
        }
        if (outage.lastThrowAt !== throwsBefore) {
          outage.restoreJournal(journal);
          return false;
        }
      }
      if (!isJournalEmpty(outage.journal)) return false;
      try {
        await this.parts.generations.reload();
      } catch {
        return false;
      }
      this.parts.memory.clear();
      outage.markUp();
      if (since !== undefined) this.parts.logger.info({ downMs: Date.now() - since }, 'cache: Redis is back');
      return true;
    });
    if (up) await this.settle(episode);
    return up;
  }

  /**
   * After this instance recovered: waits until every other one has too (each replayed its journal
   * and writes through Redis again) before strict namespaces are cached again, at most
   * `settleTimeoutMs` (an instance that died during the outage never answers).
   */
  private async settle(episode: number): Promise<void> {
    const { peers, outage, options } = this.parts;
    if (!peers) {
      outage.markSettled(episode);
      return;
    }
    const started = Date.now();
    const deadline = started + options.settleTimeoutMs;
    const over = () => outage.degraded || outage.episode !== episode || this.parts.stopping;
    // A safety bound only: the deadline ends the wait first.
    const rounds = 2 * Math.ceil(options.settleTimeoutMs / SETTLE_PAUSE_MS) + 1;
    for (let round = 0; round < rounds && Date.now() < deadline; round += 1) {
      if (over()) return;
      try {
        if (await peers.allRecovered(Math.min(SETTLE_QUERY_MS, Math.max(1, deadline - Date.now())))) {
          outage.markSettled(episode);
          if (outage.settled)
            this.parts.logger.info({ settleMs: Date.now() - started }, 'cache: every instance is back');
          return;
        }
      } catch (error) {
        // Redis failed again: a new outage, which its own recovery settles.
        outage.markDown(error instanceof Error ? error.message : String(error), false);
        return;
      }
      await sleep(SETTLE_PAUSE_MS);
    }
    if (over()) return;
    this.parts.logger.warn(
      { settleMs: Date.now() - started },
      'cache: not every instance answered after the outage; caching strict namespaces again',
    );
    outage.markSettled(episode);
  }

  /**
   * While other instances share this prefix, a healthy instance checks Redis on every recovery tick:
   * one that only serves memory hits would otherwise not notice a Redis that hangs (its connections
   * stay open), and would go on serving its memory while the others' writes no longer reach it.
   */
  private probe(): void {
    const { clients, peers } = this.parts;
    if (!clients || !peers?.hasPeers() || this.probing) return;
    this.probing = true;
    clients.command
      .ping()
      .catch((error: unknown) => {
        if (!this.parts.stopping) {
          this.parts.outage.markDown(error instanceof Error ? error.message : String(error), false);
        }
      })
      .finally(() => {
        this.probing = false;
      });
  }

  // The count of other instances is what a recovery waits for: kept fresh while healthy.
  private countPeers(): void {
    const { peers, outage } = this.parts;
    if (!peers || !outage.settled || Date.now() - this.peersCountedAt < PEER_COUNT_MS) return;
    this.peersCountedAt = Date.now();
    peers.count().catch(() => undefined);
  }

  private async replay(journal: OutageJournal): Promise<void> {
    const { root, generations } = this.parts;
    if (journal.keys.size > 0) await root.deleteMany({ keys: [...journal.keys] });
    if (journal.tags.size > 0) await root.deleteByTag({ tags: [...journal.tags] });
    for (const namespace of journal.namespaces) await generations.bump(namespace);
  }
}
