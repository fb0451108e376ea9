import { randomUUID } from 'node:crypto';
import type { KeelCache } from 'keel/cache';
import type { Logger } from 'keel/logging';
import type { EventChange } from './changes.js';
import type { EventPage, EventPageCache } from './service.js';

/** The cache namespaces of event pages and of each user's page version token. */
export const EVENT_PAGES = 'event-pages';
export const EVENT_VERSIONS = 'event-versions';
const VERSION_TTL_MS = 86_400_000;
const PAGE_TTL_MS = 30_000;

/**
 * Each user's event pages, cached. A user's pages are keyed by that user's current version token,
 * and every event write gives everyone it touches a new token after it commits, before the writer
 * gets its answer. A page loaded from the database before the commit can only be stored under the
 * old token, which no later read asks for, so no instance serves it after the write (deleting pages
 * instead would race such a load).
 */
export class CachedEventPages implements EventPageCache {
  constructor(
    private readonly cache: KeelCache,
    private readonly logger: Logger,
  ) {}

  /** One page of a user's events, cached per (user, version, limit, cursor). */
  async read(
    userId: string,
    limit: number,
    cursor: string | undefined,
    load: () => Promise<EventPage>,
  ): Promise<EventPage> {
    // Grace off on both: an old token or page must never be served while it is refreshed.
    const version = await this.cache.getOrSet(userId, () => randomUUID(), {
      namespace: EVENT_VERSIONS,
      ttlMs: VERSION_TTL_MS,
      graceMs: 0,
    });
    return this.cache.getOrSet(`${userId}:${version}:${limit}:${cursor ?? ''}`, load, {
      namespace: EVENT_PAGES,
      ttlMs: PAGE_TTL_MS,
      graceMs: 0,
    });
  }

  /** Gives everyone an event change touches a new version token, retiring their cached pages. */
  invalidate = async (change: EventChange): Promise<void> => {
    const touched = new Set([change.event.organizerId, ...change.event.participants.map((p) => p.userId)]);
    if (change.kind === 'updated') for (const p of change.before.participants) touched.add(p.userId);
    try {
      await Promise.all(
        [...touched].map((userId) =>
          this.cache.set(userId, randomUUID(), { namespace: EVENT_VERSIONS, ttlMs: VERSION_TTL_MS, graceMs: 0 }),
        ),
      );
    } catch (error) {
      // The write has committed: its answer must not turn into an error. Pages expire within their ttl.
      this.logger.error({ err: error, eventId: change.event.id }, 'event page invalidation failed');
    }
  };
}
