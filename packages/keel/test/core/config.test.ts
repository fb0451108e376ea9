import { describe, expect, it } from 'vitest';
import { spawnFixture } from './spawn-service.js';

describe('config at start (process)', () => {
  it('exits 1 with one message listing every problem', async () => {
    const fixture = spawnFixture('config', { PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://db' });
    const exit = await fixture.exited;
    expect(exit.code).toBe(1);
    const stderr = fixture.stderr();
    const message = stderr.slice(stderr.indexOf('Invalid configuration:'));
    expect(message).toMatch(/Invalid configuration:\n {2}- \w+: .+\n {2}- \w+: .+\n {2}- \w+: .+/);
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(message).toContain(`- ${name}:`);
    expect(stderr.match(/Invalid configuration:/g)?.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a short or example secret in production, and starts with a strong one', async () => {
    const short = spawnFixture('config', { NODE_ENV: 'production', JWT_SECRET: 'too-short' });
    expect((await short.exited).code).toBe(1);
    expect(short.stderr()).toContain('JWT_SECRET: must be at least 32 bytes in production');
    const example = spawnFixture('config', { NODE_ENV: 'production', JWT_SECRET: 'change-me' });
    expect((await example.exited).code).toBe(1);
    expect(example.stderr()).toContain('JWT_SECRET: must not be the example value in production');
    const strong = spawnFixture('config', { NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) });
    expect((await strong.exited).code).toBe(0);
    expect(strong.lines[0]).toEqual({ port: 0, secretLength: 40 });
  });
});
