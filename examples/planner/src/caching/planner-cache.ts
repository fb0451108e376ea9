import { randomUUID } from 'node:crypto';
import type { KeelCache } from 'keel/cache';
import type { Logger } from 'keel/logging';
import type { EventChange } from '../events/changes.js';
import type { EventPage, EventPageCache } from '../events/service.js';
import type { UserRepository } from '../users/repository.js';

/** The user fields the per-request lookup needs (never the password hash). */
export interface CachedUser {
  id: string;
  email: string;
  name: string;
}

const USERS = 'users';
const EVENT_PAGES = 'event-pages';
const EVENT_VERSIONS = 'event-versions';
const VERSION_TTL_MS = 86_400_000;
const PAGE_TTL_MS = 30_000;

/**
 * The planner's cache use: the user lookup of every authenticated request, and each user's event
 * pages. A user's pages are keyed by that user's current version token, and every event write gives
 * everyone it touches a new token after it commits, before the writer gets its answer. A page loaded
 * from the database before the commit can only be stored under the old token, which no later read
 * asks for, so no instance serves it after the write (deleting pages instead would race such a load).
 */
export class PlannerCache implements EventPageCache {
  constructor(
    private readonly cache: KeelCache,
    private readonly users: UserRepository,
    private readonly logger: () => Logger,
  ) {}

  /** A user by id, from the cache or the database; `undefined` for an unknown id. */
  async user(id: string): Promise<CachedUser | undefined> {
    const user = await this.cache.getOrSet(
      id,
      async () => {
        const row = await this.users.findById(id);
        return row ? { id: row.id, email: row.email, name: row.name } : null;
      },
      { namespace: USERS, ttl: 60_000 },
    );
    return user ?? undefined;
  }

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
      ttl: VERSION_TTL_MS,
      grace: 0,
    });
    return this.cache.getOrSet(`${userId}:${version}:${limit}:${cursor ?? ''}`, load, {
      namespace: EVENT_PAGES,
      ttl: PAGE_TTL_MS,
      grace: 0,
    });
  }

  /** Gives everyone an event change touches a new version token, retiring their cached pages. */
  invalidate = async (change: EventChange): Promise<void> => {
    const touched = new Set([change.event.organizerId, ...change.event.participants.map((p) => p.userId)]);
    if (change.kind === 'updated') for (const p of change.before.participants) touched.add(p.userId);
    try {
      await Promise.all(
        [...touched].map((userId) =>
          this.cache.set(userId, randomUUID(), { namespace: EVENT_VERSIONS, ttl: VERSION_TTL_MS, grace: 0 }),
        ),
      );
    } catch (error) {
      // The write has committed: its answer must not turn into an error. Pages expire within their ttl.
      this.logger().error({ err: error, eventId: change.event.id }, 'event page invalidation failed');
    }
  };
}
