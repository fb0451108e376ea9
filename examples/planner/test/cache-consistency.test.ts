import { createTestDatabase, type TestDatabase } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRedisUrl, uniqueCachePrefix } from './cache-helpers.js';
import { type PlannerHarness, startPlanner } from './harness.js';

interface Participant {
  userId: string;
  status: string;
}
interface Event {
  id: string;
  title: string;
  participants: Participant[];
}
interface User {
  id: string;
  token: string;
  email: string;
}

const ITERATIONS = 1000;

// Two planners on one PostgreSQL database and one Redis prefix, as two instances behind a load balancer.
describe('planner cache across two instances (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  let a: PlannerHarness;
  let b: PlannerHarness;
  let org: User;
  let guest: User;
  let floater: User;
  let anchor: Event;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const env = {
      REDIS_URL: sharedRedisUrl,
      CACHE_PREFIX: uniqueCachePrefix('consistency'),
      RATE_LIMIT_PER_MINUTE: '10000000',
      LOG_LEVEL: 'warn',
    };
    a = await startPlanner(database, env);
    b = await startPlanner(database, { ...env, JOBS_WORK: 'false' });
    org = await a.user('Org');
    guest = await b.user('Guest');
    floater = await a.user('Floater');
    // The earliest event: always first in every list, whatever else gets created.
    const created = await a.call('POST', '/api/v1/events', {
      token: org.token,
      body: {
        title: 'anchor-0',
        startsAt: '2029-01-01T09:00:00Z',
        endsAt: '2029-01-01T10:00:00Z',
        participantIds: [guest.id],
      },
    });
    expect(created.status).toBe(201);
    anchor = created.body;
  });
  afterAll(async () => {
    // A cache that went degraded (a Redis command slower than its timeout) explains a stale read: show it.
    for (const h of [a, b]) for (const line of h?.logs ?? []) if (line.includes('cache:')) console.warn(line);
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  async function list(through: PlannerHarness, user: User): Promise<Event[]> {
    const response = await through.call('GET', '/api/v1/events?limit=5', { token: user.token });
    expect(response.status).toBe(200);
    return response.body.items;
  }

  it('serves the user lookup of authenticated requests from the cache, on both instances', async () => {
    const before = (await a.planner.cache.stats()).namespaces.users?.hits ?? 0;
    for (let i = 0; i < 5; i += 1) {
      for (const h of [a, b]) {
        const me = await h.call('GET', '/api/v1/users/me', { token: org.token });
        expect(me.status).toBe(200);
        expect(me.body).toEqual({ id: org.id, email: org.email, name: 'Org', role: 'user' });
      }
    }
    const users = (await a.planner.cache.stats()).namespaces.users;
    expect(users?.hits).toBeGreaterThanOrEqual(before + 5);
  });

  it(`shows a write through either instance at once through the other, ${ITERATIONS} times in a row`, async () => {
    // Warm both instances' caches (memory and Redis) for every user, so each read below must see an invalidation.
    for (const h of [a, b]) for (const user of [org, guest, floater]) await list(h, user);
    const statuses = ['accepted', 'declined', 'tentative'] as const;
    let withFloater = false;
    let newest: Event | undefined;
    const started = performance.now();
    for (let i = 1; i <= ITERATIONS; i += 1) {
      const writer = i % 2 === 0 ? a : b;
      const reader = i % 2 === 0 ? b : a;
      const kind = i % 3;
      if (kind === 0) {
        // PUT: new title, and the floater joins or leaves (its list changes without it being in `after`).
        withFloater = !withFloater;
        const put = await writer.call('PUT', `/api/v1/events/${anchor.id}`, {
          token: org.token,
          body: {
            title: `anchor-${i}`,
            startsAt: '2029-01-01T09:00:00Z',
            endsAt: '2029-01-01T10:00:00Z',
            participantIds: withFloater ? [guest.id, floater.id] : [guest.id],
          },
        });
        expect(put.status, `PUT ${i}`).toBe(200);
        anchor = put.body;
      } else if (kind === 1) {
        const status = statuses[i % statuses.length]!;
        const patch = await writer.call('PATCH', `/api/v1/events/${anchor.id}/participants/${guest.id}/status`, {
          token: guest.token,
          body: { status },
        });
        expect(patch.status, `PATCH ${i}`).toBe(200);
        anchor = patch.body;
      } else {
        // Each new event starts before the previous one, so it is always second in every list.
        const startsAt = new Date(Date.UTC(2030, 0, 1) - i * 3_600_000).toISOString();
        const endsAt = new Date(Date.UTC(2030, 0, 1) - i * 3_600_000 + 1_800_000).toISOString();
        const post = await writer.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: `new-${i}`, startsAt, endsAt, participantIds: [guest.id] },
        });
        expect(post.status, `POST ${i}`).toBe(201);
        newest = post.body;
      }

      const orgList = await list(reader, org);
      expect(orgList[0], `organizer's list through the other instance after write ${i}`).toEqual(anchor);
      if (newest) expect(orgList[1]?.id, `newest event after write ${i}`).toBe(newest.id);
      const guestList = await list(reader, guest);
      expect(guestList[0], `participant's list through the other instance after write ${i}`).toEqual(anchor);
      if (kind === 0) {
        const floaterList = await list(writer, floater);
        expect(floaterList.map((e) => e.id).includes(anchor.id), `floater after PUT ${i}`).toBe(withFloater);
        const floaterOther = await list(reader, floater);
        expect(floaterOther.map((e) => e.id).includes(anchor.id), `floater (other) after PUT ${i}`).toBe(withFloater);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.info(`${ITERATIONS} cross-instance write/read rounds in ${seconds.toFixed(1)} s`);
    // The lists were really cached: most reads of the warm lists hit.
    const pages = (await a.planner.cache.stats()).namespaces['event-pages'];
    expect(pages?.misses).toBeGreaterThan(0);
    expect(pages?.hits).toBeGreaterThan(0);
  }, 120_000);

  it('never keeps a list loaded while a write commits: after concurrent reads and writes settle, both see the last write', async () => {
    for (let round = 1; round <= 150; round += 1) {
      const writer = round % 2 === 0 ? a : b;
      const other = round % 2 === 0 ? b : a;
      const [put] = await Promise.all([
        writer.call('PUT', `/api/v1/events/${anchor.id}`, {
          token: org.token,
          body: {
            title: `race-${round}`,
            startsAt: '2029-01-01T09:00:00Z',
            endsAt: '2029-01-01T10:00:00Z',
            participantIds: [guest.id],
          },
        }),
        ...Array.from({ length: 3 }, () => list(other, org)),
        ...Array.from({ length: 2 }, () => list(writer, org)),
        ...Array.from({ length: 2 }, () => list(other, guest)),
      ]);
      expect(put?.status).toBe(200);
      anchor = put!.body;
      for (const h of [a, b]) {
        expect((await list(h, org))[0]?.title, `organizer, round ${round}`).toBe(`race-${round}`);
        expect((await list(h, guest))[0]?.title, `participant, round ${round}`).toBe(`race-${round}`);
      }
    }
  }, 60_000);
});
