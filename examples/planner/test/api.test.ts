import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlannerHarness, startPlanner } from './harness.js';

const start = '2030-01-10T09:00:00.000Z';
const end = '2030-01-10T10:00:00.000Z';

function expectProblem(
  response: { status: number; headers: Record<string, unknown>; body: any },
  status: number,
): void {
  expect(response.status).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  expect(response.body).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(response.body.requestId).toBe(response.headers['x-request-id']);
}

for (const dialect of testDialects) {
  describe(`planner API on ${dialect}`, () => {
    let database: TestDatabase;
    let h: PlannerHarness;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      h = await startPlanner(database, { ADMIN_EMAILS: 'Boss@Example.com' });
    });
    afterAll(async () => {
      await h?.stop();
      await database?.drop();
    });

    describe('auth', () => {
      it('registers, logs in and answers /users/me', async () => {
        const registered = await h.call('POST', '/api/v1/auth/register', {
          body: { email: ' Ann@Example.COM ', password: 'long enough', name: 'Ann' },
        });
        expect(registered.status).toBe(201);
        expect(registered.body).toEqual({ id: expect.any(String), email: 'ann@example.com', name: 'Ann' });
        expect(JSON.stringify(registered.body)).not.toContain('password');

        const login = await h.call('POST', '/api/v1/auth/login', {
          body: { email: 'ANN@example.com', password: 'long enough' },
        });
        expect(login.status).toBe(200);
        expect(login.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 3600 });

        const me = await h.call('GET', '/api/v1/users/me', { token: login.body.accessToken });
        expect(me.status).toBe(200);
        expect(me.body).toEqual({ id: registered.body.id, email: 'ann@example.com', name: 'Ann', role: 'user' });
      });

      it('answers 409 for a taken email, also when two registrations race', async () => {
        const body = { email: 'race@example.com', password: 'long enough', name: 'Race' };
        const results = await Promise.all([1, 2, 3].map(() => h.call('POST', '/api/v1/auth/register', { body })));
        expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
        expectProblem(results.find((r) => r.status === 409)!, 409);
      });

      it('lists every bad field of a registration', async () => {
        const response = await h.call('POST', '/api/v1/auth/register', {
          body: { email: 'nope', password: 'short', name: '' },
        });
        expectProblem(response, 400);
        expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'name', 'password']);
      });

      it('refuses wrong passwords and unknown emails alike with 401', async () => {
        await h.user('Carl', 'carl@example.com');
        const wrong = await h.call('POST', '/api/v1/auth/login', {
          body: { email: 'carl@example.com', password: 'wrong password' },
        });
        const unknown = await h.call('POST', '/api/v1/auth/login', {
          body: { email: 'nobody@example.com', password: 'wrong password' },
        });
        expectProblem(wrong, 401);
        expectProblem(unknown, 401);
        expect(wrong.body.detail).toBe(unknown.body.detail);
      });

      it('answers 401 without a token, with a bad one, and for a deleted-user-like unknown subject', async () => {
        expectProblem(await h.call('GET', '/api/v1/users/me'), 401);
        expectProblem(await h.call('GET', '/api/v1/users/me', { token: 'not.a.jwt' }), 401);
        const forged =
          'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4IiwiaXNzIjoicGxhbm5lciJ9.c2lnbmF0dXJlLW5vdC12YWxpZA';
        const response = await h.call('GET', '/api/v1/users/me', { token: forged });
        expectProblem(response, 401);
        expect(response.headers['www-authenticate']).toContain('Bearer');
      });

      it('gives admins the admin role by ADMIN_EMAILS, case-insensitively', async () => {
        const boss = await h.user('Boss', 'boss@example.com');
        const me = await h.call('GET', '/api/v1/users/me', { token: boss.token });
        expect(me.body.role).toBe('admin');
      });
    });

    describe('events', () => {
      it('creates an event with pending participants', async () => {
        const org = await h.user('Org');
        const p1 = await h.user('P1');
        const p2 = await h.user('P2');
        const created = await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: {
            title: ' Standup ',
            description: 'daily',
            startsAt: '2030-01-10T10:00:00+01:00',
            endsAt: end,
            location: 'Room 1',
            participantIds: [p1.id, p2.id, p1.id],
          },
        });
        expect(created.status).toBe(201);
        expect(created.body).toEqual({
          id: expect.any(String),
          title: 'Standup',
          description: 'daily',
          startsAt: start,
          endsAt: end,
          location: 'Room 1',
          organizerId: org.id,
          participants: [
            { userId: p1.id, status: 'pending' },
            { userId: p2.id, status: 'pending' },
          ],
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        });
        const fetched = await h.call('GET', `/api/v1/events/${created.body.id}`, { token: p2.token });
        expect(fetched.status).toBe(200);
        expect(fetched.body).toEqual(created.body);
      });

      it('rejects endsAt not after startsAt, bad dates and unknown participants with 400', async () => {
        const org = await h.user('Org');
        const same = await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: 't', startsAt: start, endsAt: start },
        });
        expectProblem(same, 400);
        expect(same.body.errors).toEqual([{ location: 'body', path: 'endsAt', message: 'must be after startsAt' }]);
        expectProblem(
          await h.call('POST', '/api/v1/events', {
            token: org.token,
            body: { title: 't', startsAt: 'tomorrow', endsAt: end },
          }),
          400,
        );
        expectProblem(
          await h.call('POST', '/api/v1/events', {
            token: org.token,
            body: { title: 't', startsAt: '2030-01-10T09:00:00', endsAt: end },
          }),
          400,
        );
        const ghost = '00000000-0000-4000-8000-000000000000';
        const unknown = await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: 't', startsAt: start, endsAt: end, participantIds: [ghost] },
        });
        expectProblem(unknown, 400);
        expect(unknown.body.errors[0].path).toBe('participantIds.0');
        const malformed = await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: 't', startsAt: start, endsAt: end, participantIds: ['x'] },
        });
        expectProblem(malformed, 400);
        expectProblem(
          await h.call('POST', '/api/v1/events', {
            token: org.token,
            body: { title: '', startsAt: start, endsAt: end },
          }),
          400,
        );
        expectProblem(await h.call('POST', '/api/v1/events', { token: org.token, body: [] }), 400);
      });

      it('stores nothing when a participant is unknown', async () => {
        const org = await h.user('Org');
        await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: 't', startsAt: start, endsAt: end, participantIds: ['00000000-0000-4000-8000-000000000001'] },
        });
        const list = await h.call('GET', '/api/v1/events', { token: org.token });
        expect(list.body.items).toEqual([]);
      });

      it('answers 404 for unknown and malformed ids, 403 for strangers', async () => {
        const org = await h.user('Org');
        const stranger = await h.user('Stranger');
        const event = await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: 't', startsAt: start, endsAt: end },
        });
        expectProblem(
          await h.call('GET', '/api/v1/events/00000000-0000-4000-8000-000000000000', { token: org.token }),
          404,
        );
        expectProblem(await h.call('GET', '/api/v1/events/not-an-id', { token: org.token }), 404);
        expectProblem(await h.call('GET', `/api/v1/events/${"'; drop table events; --"}`, { token: org.token }), 404);
        expectProblem(await h.call('GET', `/api/v1/events/${event.body.id}`, { token: stranger.token }), 403);
        expectProblem(
          await h.call('PUT', `/api/v1/events/${event.body.id}`, {
            token: stranger.token,
            body: { title: 'x', startsAt: start, endsAt: end },
          }),
          403,
        );
        expectProblem(await h.call('DELETE', `/api/v1/events/${event.body.id}`, { token: stranger.token }), 403);
        expectProblem(await h.call('DELETE', '/api/v1/events/nope', { token: org.token }), 404);
        expectProblem(await h.call('GET', `/api/v1/events/${event.body.id}`), 401);
      });

      it('lets only the organizer update; keeps statuses of remaining participants', async () => {
        const org = await h.user('Org');
        const a = await h.user('A');
        const b = await h.user('B');
        const c = await h.user('C');
        const event = await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: 't', startsAt: start, endsAt: end, participantIds: [a.id, b.id] },
        });
        const id = event.body.id;
        expect(
          (
            await h.call('PATCH', `/api/v1/events/${id}/participants/${a.id}/status`, {
              token: a.token,
              body: { status: 'accepted' },
            })
          ).status,
        ).toBe(200);
        expectProblem(
          await h.call('PUT', `/api/v1/events/${id}`, {
            token: a.token,
            body: { title: 'x', startsAt: start, endsAt: end },
          }),
          403,
        );
        const updated = await h.call('PUT', `/api/v1/events/${id}/`, {
          token: org.token,
          body: {
            title: 'Renamed',
            startsAt: '2030-02-01T09:00:00Z',
            endsAt: '2030-02-01T11:00:00Z',
            participantIds: [a.id, c.id],
          },
        });
        expect(updated.status).toBe(200);
        expect(updated.body).toMatchObject({
          title: 'Renamed',
          startsAt: '2030-02-01T09:00:00.000Z',
          description: null,
          location: null,
          participants: [
            { userId: a.id, status: 'accepted' },
            { userId: c.id, status: 'pending' },
          ],
        });
        expect(updated.body.updatedAt >= event.body.updatedAt).toBe(true);
        expectProblem(await h.call('GET', `/api/v1/events/${id}`, { token: b.token }), 403);
        const withoutList = await h.call('PUT', `/api/v1/events/${id}`, {
          token: org.token,
          body: { title: 'Again', startsAt: start, endsAt: end },
        });
        expect(withoutList.body.participants).toHaveLength(2);
        expectProblem(
          await h.call('PUT', `/api/v1/events/${id}`, {
            token: org.token,
            body: { title: 'Bad', startsAt: end, endsAt: start },
          }),
          400,
        );
      });

      it('lets only the participant answer an invitation', async () => {
        const org = await h.user('Org');
        const a = await h.user('A');
        const b = await h.user('B');
        const event = await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: 't', startsAt: start, endsAt: end, participantIds: [a.id] },
        });
        const url = (userId: string) => `/api/v1/events/${event.body.id}/participants/${userId}/status`;
        const answered = await h.call('PATCH', url(a.id), { token: a.token, body: { status: 'tentative' } });
        expect(answered.status).toBe(200);
        expect(answered.body.participants).toEqual([{ userId: a.id, status: 'tentative' }]);
        expectProblem(await h.call('PATCH', url(a.id), { token: org.token, body: { status: 'declined' } }), 403);
        expectProblem(await h.call('PATCH', url(b.id), { token: b.token, body: { status: 'accepted' } }), 404);
        expectProblem(await h.call('PATCH', url(a.id), { token: a.token, body: { status: 'pending' } }), 400);
        expectProblem(await h.call('PATCH', url('nope'), { token: a.token, body: { status: 'accepted' } }), 404);
        expectProblem(
          await h.call('PATCH', `/api/v1/events/nope/participants/${a.id}/status`, {
            token: a.token,
            body: { status: 'accepted' },
          }),
          404,
        );
      });

      it('deletes an event (organizer only) with 204', async () => {
        const org = await h.user('Org');
        const a = await h.user('A');
        const event = await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: 't', startsAt: start, endsAt: end, participantIds: [a.id] },
        });
        expectProblem(await h.call('DELETE', `/api/v1/events/${event.body.id}`, { token: a.token }), 403);
        const deleted = await h.call('DELETE', `/api/v1/events/${event.body.id}`, { token: org.token });
        expect(deleted.status).toBe(204);
        expect(deleted.body).toBe('');
        expectProblem(await h.call('GET', `/api/v1/events/${event.body.id}`, { token: org.token }), 404);
      });

      it('pages through organized and joined events by start time with a keyset cursor', async () => {
        const me = await h.user('Pager');
        const other = await h.user('Other');
        const ids: string[] = [];
        for (let i = 0; i < 25; i += 1) {
          const owner = i % 2 === 0 ? me : other;
          const day = String(1 + (i % 5)).padStart(2, '0');
          const created = await h.call('POST', '/api/v1/events', {
            token: owner.token,
            body: {
              title: `e${i}`,
              startsAt: `2031-03-${day}T09:00:00Z`,
              endsAt: `2031-03-${day}T10:00:00Z`,
              participantIds: owner === other ? [me.id] : [],
            },
          });
          ids.push(created.body.id);
        }
        await h.call('POST', '/api/v1/events', {
          token: other.token,
          body: { title: 'not mine', startsAt: start, endsAt: end },
        });
        const seen: { startsAt: string; id: string }[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const query: string = cursor ? `?limit=7&cursor=${encodeURIComponent(cursor)}` : '?limit=7';
          const page = await h.call('GET', `/api/v1/events${query}`, { token: me.token });
          expect(page.status).toBe(200);
          seen.push(
            ...page.body.items.map((e: { startsAt: string; id: string }) => ({ startsAt: e.startsAt, id: e.id })),
          );
          cursor = page.body.nextCursor;
          pages += 1;
        } while (cursor);
        expect(pages).toBe(4);
        expect(seen.map((e) => e.id).sort()).toEqual([...ids].sort());
        const sorted = [...seen].sort((x, y) =>
          x.startsAt === y.startsAt ? (x.id < y.id ? -1 : 1) : x.startsAt < y.startsAt ? -1 : 1,
        );
        expect(seen).toEqual(sorted);
        expectProblem(await h.call('GET', '/api/v1/events?limit=101', { token: me.token }), 400);
        expectProblem(await h.call('GET', '/api/v1/events?limit=abc', { token: me.token }), 400);
        expectProblem(await h.call('GET', '/api/v1/events?cursor=garbage', { token: me.token }), 400);
      });
    });

    describe('HTTP behaviour', () => {
      it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
        const kept = await h.call('GET', '/health/live', { headers: { 'x-request-id': 'abc-123' } });
        expect(kept.headers['x-request-id']).toBe('abc-123');
        const replaced = await h.call('GET', '/health/live', { headers: { 'x-request-id': 'bad id\twith spaces' } });
        expect(replaced.headers['x-request-id']).not.toBe('bad id\twith spaces');
        expect(String(replaced.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
      });

      it('reports readiness with the database check', async () => {
        const ready = await h.call('GET', '/health/ready');
        expect(ready.status).toBe(200);
        expect(ready.body).toMatchObject({
          status: 'ok',
          checks: { database: { status: 'up', latencyMs: expect.any(Number) } },
        });
      });

      it('records request durations by route pattern', async () => {
        const org = await h.user('Metrics');
        await h.call('GET', '/api/v1/events/00000000-0000-4000-8000-00000000abcd', { token: org.token });
        const metrics = await h.call('GET', '/metrics');
        expect(metrics.status).toBe(200);
        expect(metrics.body).toContain('http_request_duration_seconds_bucket');
        expect(metrics.body).toMatch(/route="\/api\/v1\/events\/:eventId",status_code="404"/);
        expect(metrics.body).not.toContain('00000000abcd');
      });

      it('serves the OpenAPI document with the planner routes', async () => {
        const doc = await h.call('GET', '/docs/json');
        expect(doc.status).toBe(200);
        expect(doc.body.openapi).toMatch(/^3\./);
        expect(Object.keys(doc.body.paths)).toEqual(
          expect.arrayContaining([
            '/api/v1/auth/register',
            '/api/v1/events',
            '/api/v1/events/{eventId}',
            '/api/v1/events/{eventId}/participants/{userId}/status',
          ]),
        );
      });

      it('never leaks internals in logs-only fields and redacts credentials', async () => {
        await h.call('POST', '/api/v1/auth/login', {
          body: { email: 'x@example.com', password: 'hunter2-secret' },
          headers: { authorization: 'Bearer sekrit-token' },
        });
        const text = h.logs.join('');
        expect(text).not.toContain('hunter2-secret');
        expect(text).not.toContain('sekrit-token');
      });
    });
  });
}
