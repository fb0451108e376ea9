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
const eventsOf = (userId: string): string => `events-of/${userId}`;

/**
 * The planner's cache use: the user lookup of every authenticated request, and each user's event
 * pages. Every event write invalidates the pages of everyone it touches after it commits, before the
 * writer gets its answer, so a read from any instance afterwards sees the write.
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

  /** One page of a user's events, cached per (user, limit, cursor) and tagged with the user. */
  read(userId: string, limit: number, cursor: string | undefined, load: () => Promise<EventPage>): Promise<EventPage> {
    // Grace off: an invalidated page must never be served again while it is refreshed.
    return this.cache.getOrSet(`${userId}:${limit}:${cursor ?? ''}`, load, {
      namespace: EVENT_PAGES,
      tags: [eventsOf(userId)],
      ttl: 30_000,
      grace: 0,
    });
  }

  /** Drops the cached pages of everyone an event change touches. */
  invalidate = async (change: EventChange): Promise<void> => {
    const touched = new Set([change.event.organizerId, ...change.event.participants.map((p) => p.userId)]);
    if (change.kind === 'updated') for (const p of change.before.participants) touched.add(p.userId);
    try {
      await this.cache.deleteByTag([...touched].map(eventsOf));
    } catch (error) {
      // The write has committed: its answer must not turn into an error. Pages expire within their ttl.
      this.logger().error({ err: error, eventId: change.event.id }, 'event page invalidation failed');
    }
  };
}
