import { createTestDatabase, type TestDatabase } from 'keel/testing';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnPlanner } from './process.js';

describe('planner process: graceful shutdown under load', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('finishes 200 requests accepted before SIGTERM, answers readiness 503 while draining, exits 0', async () => {
    const planner = await spawnPlanner({
      DATA_DIR: database.dataDir,
      LOG_LEVEL: 'debug',
      RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    });
    const client = new Agent({ connections: 250 });
    const body = JSON.stringify({ email: 'drain@example.com', password: 'long enough password', name: 'Drain' });
    const headers = { 'content-type': 'application/json' };
    const registered = await request(`${planner.url}/api/v1/auth/register`, {
      method: 'POST',
      body,
      headers,
      dispatcher: client,
    });
    expect(registered.statusCode).toBe(201);
    await registered.body.dump();

    // 200 logins: argon2 makes each take tens of ms, so they are all in flight together.
    const login = JSON.stringify({ email: 'drain@example.com', password: 'long enough password' });
    const logins = Array.from({ length: 200 }, () =>
      request(`${planner.url}/api/v1/auth/login`, { method: 'POST', body: login, headers, dispatcher: client }).then(
        async (response) => ({
          status: response.statusCode,
          body: (await response.body.json()) as { accessToken?: string },
        }),
      ),
    );
    const received = () =>
      planner.lines.filter((l) => l.msg === 'incoming request' && l.url === '/api/v1/auth/login').length;
    await planner.waitForLine(() => received() >= 200);
    const completedBeforeSignal = planner.lines.filter(
      (l) => l.msg === 'request completed' && l.url === '/api/v1/auth/login',
    ).length;
    planner.child.kill('SIGTERM');
    await planner.waitForLine((line) => line.msg === 'service stopping');

    const probe = new Agent({ connections: 1 });
    const ready = await request(`${planner.url}/health/ready`, { dispatcher: probe });
    const readyBody = (await ready.body.json()) as { status: string };
    const newWork = await request(`${planner.url}/api/v1/auth/login`, {
      method: 'POST',
      body: login,
      headers,
      dispatcher: probe,
    });
    const newWorkBody = (await newWork.body.json()) as { status: number };

    const results = await Promise.all(logins);
    const exitCode = await planner.exited;
    await client.close();
    await probe.close();

    expect(completedBeforeSignal).toBeLessThan(200);
    expect(ready.statusCode).toBe(503);
    expect(readyBody.status).toBe('down');
    expect(newWork.statusCode).toBe(503);
    expect(newWorkBody.status).toBe(503);
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(results.every((r) => typeof r.body.accessToken === 'string')).toBe(true);
    expect(exitCode).toBe(0);
    expect(planner.lines.some((l) => l.msg === 'service stopped')).toBe(true);
  });

  it('refuses to start in production with a weak JWT secret, listing every problem, exit 1', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const child = spawn(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url))], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        JWT_SECRET: 'short',
        PORT: 'not-a-port',
        DATA_DIR: database.dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('JWT_SECRET: must be at least 32 bytes in production');
    expect(stderr).toContain('PORT');
  });
});
