import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFeature, type FeatureContext } from '../../src/app/index.js';
import type { HttpRequest } from '../../src/http/index.js';
import { createTasks, defineTask, type TaskManager, tasksRoutes } from '../../src/tasks/index.js';
import { createTestApp, eventually, type TestApp, testDialects } from '../../src/testing/index.js';
import { sleep } from './harness.js';

const countTask = defineTask({
  name: 'count',
  input: z.object({ to: z.number().int().min(1).max(100) }),
  handler: async (task) => {
    for (let i = 1; i <= task.input.to; i += 1) {
      await sleep(30, task.signal);
      task.progress(i, task.input.to);
    }
    return { counted: task.input.to };
  },
});

const exportTask = defineTask({
  name: 'export',
  input: z.object({ rows: z.number().int().min(1), filename: z.string() }),
  artifactTypes: ['text/csv'],
  resultTtlMs: 1500,
  handler: async (task) => {
    const file = task.artifact({ filename: task.input.filename, contentType: 'text/csv; charset=utf-8' });
    const out = file.stream();
    for (let i = 0; i < task.input.rows; i += 1) out.write(`${i},"комментарий ${i}"\n`);
    await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));
  },
});

const waitTask = defineTask({
  name: 'wait',
  input: z.object({}),
  handler: async (task) => {
    await sleep(60_000, task.signal);
  },
});

const owner = (request: HttpRequest): string => (request.principal as { id: string }).id;

let tasksOf: TaskManager<unknown> | undefined;
const feature = defineFeature({
  name: 'work',
  setup: (app: FeatureContext<unknown>) => {
    const tasks = createTasks({
      store: app.store,
      jobs: app.jobs,
      scheduler: app.scheduler,
      dataDir: app.config.DATA_DIR,
      types: [countTask, exportTask, waitTask],
      checkIntervalMs: 100,
      progressIntervalMs: 50,
    });
    tasksOf = tasks;
    return {
      components: [tasks],
      routes: tasksRoutes(tasks, { guard: app.guards.authenticated, owner }),
      prefix: '/api/v1',
    };
  },
});

for (const dialect of testDialects) {
  describe(`tasks HTTP routes on ${dialect}`, () => {
    let t: TestApp<unknown>;
    const ann = { token: 'ann' };

    beforeAll(async () => {
      t = await createTestApp({
        dialect,
        features: [feature],
        auth: {
          authenticate: async (request) => {
            const token = request.headers.authorization?.replace(/^Bearer /, '');
            return token ? ({ id: token } as never) : null;
          },
        },
      });
    });
    afterAll(async () => {
      await t.close();
    });

    const settled = (id: string) =>
      eventually(async () => {
        const { body } = await t.inject('GET', `/api/v1/tasks/${id}`, ann);
        const state = (body as { state: string }).state;
        return ['succeeded', 'failed', 'cancelled', 'expired'].includes(state)
          ? (body as Record<string, unknown>)
          : false;
      });

    it("creates, shows and lists the caller's tasks; others see 404", async () => {
      const created = await t.inject('POST', '/api/v1/tasks/count', { ...ann, body: { to: 3, priority: 5 } });
      expect(created.status).toBe(202);
      const task = created.body as { id: string; state: string; priority: number };
      expect(task).toMatchObject({ state: 'queued', priority: 5 });
      expect(created.headers.location).toBe(`/api/v1/tasks/${task.id}`);
      expect(await settled(task.id)).toMatchObject({
        state: 'succeeded',
        result: { counted: 3 },
        progress: { done: 3, total: 3 },
      });
      const mine = await t.inject('GET', '/api/v1/tasks?state=succeeded&type=count', ann);
      expect(mine.status).toBe(200);
      expect((mine.body as { items: { id: string }[] }).items.map((i) => i.id)).toContain(task.id);
      expect((await t.inject('GET', '/api/v1/tasks', { token: 'bob' })).body).toEqual({ items: [], nextCursor: null });
      const foreign = await t.inject('GET', `/api/v1/tasks/${task.id}`, { token: 'bob' });
      expect(foreign.status).toBe(404);
      expect(foreign.problem?.type).toBe('urn:keel:problem:task_not_found');
      expect((await t.inject('GET', `/api/v1/tasks/${task.id}`)).status).toBe(401);
      const bad = await t.inject('POST', '/api/v1/tasks/count', { ...ann, body: { to: 0 } });
      expect(bad.status).toBe(400);
      const json = await t.inject('GET', `/api/v1/tasks/${task.id}/result`, ann);
      expect(json).toMatchObject({ status: 200, body: { counted: 3 } });
    });

    it('cancels: 202, then 409 once it ended', async () => {
      const { body } = await t.inject('POST', '/api/v1/tasks/wait', { ...ann, body: {} });
      const id = (body as { id: string }).id;
      await eventually(async () => (await tasksOf!.require(id)).state === 'running');
      const cancel = await t.inject('POST', `/api/v1/tasks/${id}/cancel`, ann);
      expect(cancel.status).toBe(202);
      expect(['cancelling', 'cancelled']).toContain((cancel.body as { state: string }).state);
      expect(await settled(id)).toMatchObject({ state: 'cancelled' });
      const again = await t.inject('POST', `/api/v1/tasks/${id}/cancel`, ann);
      expect(again.status).toBe(409);
      expect(again.problem?.type).toBe('urn:keel:problem:task_not_cancellable');
      const result = await t.inject('GET', `/api/v1/tasks/${id}/result`, ann);
      expect(result.status).toBe(409);
      expect((await t.inject('POST', '/api/v1/tasks/01h0000000000000000000000z/cancel', ann)).status).toBe(404);
    });

    it('streams the file with its content type and an RFC 6266 disposition, then 410 once expired', async () => {
      const filename = 'Комментарии поста "1".csv';
      const { body } = await t.inject('POST', '/api/v1/tasks/export', { ...ann, body: { rows: 20_000, filename } });
      const id = (body as { id: string }).id;
      expect(await settled(id)).toMatchObject({ state: 'succeeded', artifact: { filename } });
      const response = await request(`${t.app.http.url}/api/v1/tasks/${id}/result`, {
        headers: { authorization: 'Bearer ann' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      const disposition = String(response.headers['content-disposition']);
      expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
      expect(decodeURIComponent(disposition.split("filename*=UTF-8''")[1]!)).toBe(filename);
      const text = await response.body.text();
      expect(text.split('\n')).toHaveLength(20_001);
      expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(text));
      const folder = resolve(t.database.dataDir, 'tasks', id);
      expect(existsSync(folder)).toBe(true);
      await sleep(1600);
      const gone = await t.inject('GET', `/api/v1/tasks/${id}/result`, ann);
      expect(gone.status).toBe(410);
      expect(gone.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(gone.problem?.type).toBe('urn:keel:problem:task_result_expired');
      expect(await tasksOf!.expireResults()).toBeGreaterThanOrEqual(1);
      expect(existsSync(folder)).toBe(false);
      expect((await t.inject('GET', `/api/v1/tasks/${id}/result`, ann)).status).toBe(410);
      expect(((await t.inject('GET', `/api/v1/tasks/${id}`, ann)).body as { state: string }).state).toBe('expired');
    });

    it('streams progress events over SSE, then the final state', async () => {
      const { body } = await t.inject('POST', '/api/v1/tasks/count', { ...ann, body: { to: 10 } });
      const id = (body as { id: string }).id;
      const response = await request(`${t.app.http.url}/api/v1/tasks/${id}/events`, {
        headers: { authorization: 'Bearer ann', accept: 'text/event-stream' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
      const events: { event: string; data: Record<string, unknown> }[] = [];
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += chunk.toString();
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
      }
      const progress = events.filter((e) => e.event === 'progress').map((e) => e.data.done as number);
      expect(progress.length).toBeGreaterThan(1);
      for (let i = 1; i < progress.length; i += 1) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
      expect(progress.at(-1)).toBe(10);
      const last = events.at(-1)!;
      expect(last.event).toBe('state');
      expect(last.data).toMatchObject({ id, state: 'succeeded', result: { counted: 10 } });
      expect(events.findIndex((e) => e.event === 'progress')).toBeLessThan(events.length - 1);
      const missing = await request(`${t.app.http.url}/api/v1/tasks/01h0000000000000000000000z/events`, {
        headers: { authorization: 'Bearer ann' },
      });
      expect(missing.statusCode).toBe(404);
      await missing.body.text();
    });

    it('declares every route and its problems in OpenAPI', async () => {
      const { body } = await t.inject('GET', '/docs/json');
      const paths = (body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }).paths;
      expect(Object.keys(paths['/api/v1/tasks/{id}/result']!.get!.responses)).toEqual(
        expect.arrayContaining(['200', '401', '404', '409', '410']),
      );
      expect(Object.keys(paths['/api/v1/tasks/{id}/cancel']!.post!.responses)).toEqual(
        expect.arrayContaining(['202', '404', '409']),
      );
      expect(paths['/api/v1/tasks/{id}/events']!.get!.responses['200']).toMatchObject({
        content: { 'text/event-stream': expect.anything() },
      });
      expect(paths['/api/v1/tasks/export']!.post).toBeDefined();
    });
  });
}
