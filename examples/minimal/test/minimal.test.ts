import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, eventually, type TestApp } from 'keel/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, notes } from '../src/notes.js';

describe('the minimal template, in process', () => {
  let test: TestApp<Database>;
  beforeAll(async () => {
    test = await createTestApp<Database>({ features: [notes] });
  });
  afterAll(async () => {
    await test.close();
  });

  it('writes a note and, in its transaction, the job that counts its words', async () => {
    const created = await test.inject('POST', '/api/notes', { body: { text: 'three short words' } });
    expect(created.status).toBe(201);
    const id = (created.body as { id: number }).id;
    expect(await test.drainJobs()).toBeGreaterThanOrEqual(1);
    const row = await test.app.store.db.selectFrom('notes').selectAll().where('id', '=', id).executeTakeFirst();
    expect(row?.words).toBe(3);
  });

  it('answers the count from the cache, refreshed after the job', async () => {
    const before = (await test.inject('GET', '/api/notes/count')).body as { count: number };
    await test.inject('POST', '/api/notes', { body: { text: 'one more' } });
    // Cached until the word-count job drops the entry.
    expect((await test.inject('GET', '/api/notes/count')).body).toEqual(before);
    await test.drainJobs();
    expect((await test.inject('GET', '/api/notes/count')).body).toEqual({ count: before.count + 1 });
  });

  it('refuses a bad body with problem+json', async () => {
    const refused = await test.inject('POST', '/api/notes', { body: { text: '' } });
    expect(refused.status).toBe(400);
    expect(refused.problem).toMatchObject({ status: 400, type: 'urn:keel:problem:validation' });
  });

  it('runs its one-declaration schedule', async () => {
    await test.app.scheduler.trigger('hourly-report');
    await test.drainJobs();
    await eventually(() => test.logs().some((line) => line.msg === 'hourly report' && line.notes === 2));
  });
});

describe('the minimal template, as `npm start -w minimal` runs it', () => {
  it('starts on SQLite, answers its route and runs its job', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keel-minimal-'));
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, NODE_ENV: 'development', PORT: '0', DATA_DIR: dataDir, LOG_PRETTY: 'false' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += String(chunk);
    });
    try {
      const url = await eventually(() => /"url":"(http:[^"]+)"/.exec(output)?.[1] ?? false, { timeoutMs: 20_000 });
      const created = await request(`${url}/api/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hello from a real socket' }),
      });
      expect(created.statusCode).toBe(201);
      const { id } = (await created.body.json()) as { id: number };
      await eventually(() => output.includes('"words":5,"msg":"words counted"'), { timeoutMs: 15_000 });
      const count = await request(`${url}/api/notes/count`);
      expect(await count.body.json()).toEqual({ count: 1 });
      expect(id).toBe(1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(child.exitCode).toBe(0);
  });
});
