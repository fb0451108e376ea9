import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from './api-client.js';
import { eventually, type PrivateRedis, quantile } from './cache-helpers.js';
import type { PlannerProcess } from './process.js';
import { startTwoPlanners, type TwoPlanners } from './two-planners.js';

interface Event {
  id: string;
  title: string;
  organizerId: string;
  participants: { userId: string; status: string }[];
}
interface User {
  id: string;
  token: string;
}

const WORKERS = 4;
const LOAD_MS = 6000;
const KILL_AT_MS = 1500;
const RESTART_AT_MS = 4000;

// Two planner processes on one PostgreSQL database and a private Redis that the test kills mid-load.
describe('planner under load while its Redis dies and comes back', () => {
  let fixture: TwoPlanners | undefined;
  let redis: PrivateRedis;
  const planners: PlannerProcess[] = [];
  const agent = new Agent({ connections: WORKERS * 2, pipelining: 1 });
  const call = apiClient(agent);

  beforeAll(async () => {
    fixture = await startTwoPlanners('outage');
    redis = fixture.redis;
    planners.push(...fixture.planners);
  });
  afterAll(async () => {
    await agent.close();
    await fixture?.stop();
  });

  it('answers no 5xx and never waits on the dead Redis, reports degraded readiness, and serves nothing stale after Redis returns', async () => {
    const [one, two] = planners.map((p) => p.url) as [string, string];
    const users: User[] = [];
    for (let i = 0; i < WORKERS; i += 1) {
      const email = `load-${i}@example.com`;
      const registered = await call(one, 'POST', '/api/v1/auth/register', undefined, {
        email,
        password: 'long enough password',
        name: `Load ${i}`,
      });
      expect(registered.status).toBe(201);
      const login = await call(two, 'POST', '/api/v1/auth/login', undefined, {
        email,
        password: 'long enough password',
      });
      expect(login.status).toBe(200);
      users.push({ id: registered.body.id, token: login.body.accessToken });
    }
    // Each worker organizes one event with the next two users as participants; only it writes that event.
    const latest = new Map<string, Event>();
    const owned: Event[] = [];
    for (let i = 0; i < WORKERS; i += 1) {
      const created = await call(one, 'POST', '/api/v1/events', users[i]!.token, {
        title: `event-${i}-0`,
        startsAt: `2030-02-${String(i + 1).padStart(2, '0')}T09:00:00Z`,
        endsAt: `2030-02-${String(i + 1).padStart(2, '0')}T10:00:00Z`,
        participantIds: [users[(i + 1) % WORKERS]!.id, users[(i + 2) % WORKERS]!.id],
      });
      expect(created.status).toBe(201);
      owned.push(created.body);
      latest.set(created.body.id, created.body);
    }

    const latencies: number[] = [];
    const outageLatencies: number[] = [];
    const failures: { status: number; path: string }[] = [];
    let writesDuringOutage = 0;
    let redisDown = false;
    const started = Date.now();
    const until = started + LOAD_MS;
    const worker = async (w: number): Promise<void> => {
      let step = 0;
      while (Date.now() < until) {
        step += 1;
        const base = (step + w) % 2 === 0 ? one : two;
        const t0 = performance.now();
        let status: number;
        let path: string;
        if (step % 10 === 0) {
          path = `PUT /api/v1/events/${owned[w]!.id}`;
          const event = owned[w]!;
          const put = await call(base, 'PUT', `/api/v1/events/${event.id}`, users[w]!.token, {
            title: `event-${w}-${step}`,
            startsAt: `2030-02-${String(w + 1).padStart(2, '0')}T09:00:00Z`,
            endsAt: `2030-02-${String(w + 1).padStart(2, '0')}T10:00:00Z`,
          });
          status = put.status;
          if (put.status === 200) {
            latest.set(event.id, put.body);
            if (redisDown) writesDuringOutage += 1;
          }
        } else if (step % 10 === 5) {
          path = 'GET /api/v1/users/me';
          status = (await call(base, 'GET', '/api/v1/users/me', users[(w + step) % WORKERS]!.token)).status;
        } else {
          path = 'GET /api/v1/events';
          status = (await call(base, 'GET', '/api/v1/events', users[(w + step) % WORKERS]!.token)).status;
        }
        const ms = performance.now() - t0;
        latencies.push(ms);
        if (redisDown) outageLatencies.push(ms);
        if (status >= 500 || status === 429) failures.push({ status, path });
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));

    await sleep(KILL_AT_MS);
    await redis.kill();
    redisDown = true;
    await sleep(500);
    // Redis is down: readiness stays 200 but says degraded, with the cache check non-critical.
    const ready = await call(one, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks['cache-redis']).toMatchObject({ status: 'down', critical: false });
    await sleep(Math.max(0, started + RESTART_AT_MS - Date.now()));
    await redis.restart();
    redisDown = false;
    await load;

    const count = latencies.length;
    const p99 = quantile(latencies, 0.99);
    const outageP99 = quantile(outageLatencies, 0.99);
    console.info(
      `load: ${count} requests in ${LOAD_MS} ms, p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
        `max ${quantile(latencies, 1).toFixed(1)} ms; while Redis was down: ${outageLatencies.length} requests, ` +
        `p99 ${outageP99.toFixed(1)} ms, ${writesDuringOutage} writes`,
    );
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(1000);
    expect(outageLatencies.length).toBeGreaterThan(200);
    expect(writesDuringOutage).toBeGreaterThan(10);
    // Hang bounds, not latency goals (those are printed above): no request waits on the dead Redis.
    expect(p99).toBeLessThan(1000);
    expect(outageP99).toBeLessThan(1000);

    // Both instances notice Redis is back and say so in readiness.
    for (const base of [one, two]) {
      const ok = await eventually(async () => (await call(base, 'GET', '/health/ready')).body?.status === 'ok', 15_000);
      expect(ok, `${base} ready again`).toBe(true);
    }
    // Every list, through both instances, shows the last write of every event (also those made during the outage).
    for (const base of [one, two]) {
      for (const [i, user] of users.entries()) {
        const page = await call(base, 'GET', '/api/v1/events', user.token);
        expect(page.status).toBe(200);
        const items = page.body.items as Event[];
        expect(items.length, `user ${i} through ${base}`).toBe(3);
        for (const item of items) expect(item, `user ${i} through ${base}`).toEqual(latest.get(item.id));
      }
    }
    // And the cache is in use again: a write through one instance shows at once through the other.
    const event = owned[0]!;
    const put = await call(two, 'PUT', `/api/v1/events/${event.id}`, users[0]!.token, {
      title: 'after the outage',
      startsAt: '2030-02-01T09:00:00Z',
      endsAt: '2030-02-01T10:00:00Z',
    });
    expect(put.status).toBe(200);
    for (const user of [users[0]!, users[1]!, users[2]!]) {
      const page = await call(one, 'GET', '/api/v1/events', user.token);
      expect((page.body.items as Event[]).find((e) => e.id === event.id)?.title).toBe('after the outage');
    }
  }, 60_000);
});
