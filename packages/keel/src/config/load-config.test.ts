import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { baseConfigSchema, boolVar, intVar, listVar, loadConfig, optionalBoolVar } from './index.js';

const schema = baseConfigSchema.extend({ JWT_SECRET: z.string(), ADMINS: listVar() });
const secrets = { JWT_SECRET: { example: 'change-me-change-me-change-me-change-me', developmentDefault: 'dev' } };

function fail(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and coerces values', () => {
    const config = loadConfig(schema, {
      env: { PORT: '8080', LOG_PRETTY: 'YES', ADMINS: 'a@x.org, ,b@x.org', PORT_UNUSED: 'x' },
      envFile: false,
      secrets,
    });
    expect(config.PORT).toBe(8080);
    expect(config.LOG_PRETTY).toBe(true);
    expect(config.ADMINS).toEqual(['a@x.org', 'b@x.org']);
    expect(config.NODE_ENV).toBe('development');
    expect(config.SHUTDOWN_GRACE_MS).toBe(10_000);
    expect(config.JWT_SECRET).toBe('dev');
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('treats a blank variable as unset rather than 0', () => {
    const config = loadConfig(baseConfigSchema, { env: { PORT: '', SHUTDOWN_GRACE_MS: ' ' }, envFile: false });
    expect(config.PORT).toBe(3000);
    expect(config.SHUTDOWN_GRACE_MS).toBe(10_000);
  });

  it('reports every problem in one error', () => {
    const error = fail(() =>
      loadConfig(schema, {
        env: { PORT: 'eighty', NODE_ENV: 'staging', DATABASE_URL: 'mysql://x', LOG_PRETTY: 'maybe' },
        envFile: false,
        secrets,
      }),
    );
    expect(error.code).toBe('config');
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['DATABASE_URL', 'LOG_PRETTY', 'NODE_ENV', 'PORT'].sort(),
    );
    for (const name of ['PORT', 'NODE_ENV', 'DATABASE_URL', 'LOG_PRETTY']) expect(error.message).toContain(name);
  });

  it('refuses short and example secrets in production', () => {
    const short = fail(() =>
      loadConfig(schema, { env: { NODE_ENV: 'production', JWT_SECRET: 'short' }, envFile: false, secrets }),
    );
    expect(short.problems).toEqual(['JWT_SECRET: must be at least 32 bytes in production']);
    const example = fail(() =>
      loadConfig(schema, {
        env: { NODE_ENV: 'production', JWT_SECRET: secrets.JWT_SECRET.example },
        envFile: false,
        secrets,
      }),
    );
    expect(example.problems).toEqual(['JWT_SECRET: must not be the example value in production']);
    const missing = fail(() => loadConfig(schema, { env: { NODE_ENV: 'production' }, envFile: false, secrets }));
    expect(missing.problems).toEqual(['JWT_SECRET: is required']);
    const strong = 'x'.repeat(32);
    expect(
      loadConfig(schema, { env: { NODE_ENV: 'production', JWT_SECRET: strong }, envFile: false, secrets }).JWT_SECRET,
    ).toBe(strong);
  });

  it('counts bytes, not characters', () => {
    const rule = { S: { minBytes: 4 } };
    const s = z.object({ S: z.string() });
    expect(loadConfig(s, { env: { NODE_ENV: 'production', S: 'éé' }, envFile: false, secrets: rule }).S).toBe('éé');
    expect(
      fail(() => loadConfig(s, { env: { NODE_ENV: 'production', S: 'abc' }, envFile: false, secrets: rule })).problems,
    ).toHaveLength(1);
  });

  it('fills unset variables from a .env file, the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-config-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=4000\nHOST=0.0.0.0\n# comment\nCORS_ORIGINS=https://a.example,https://b.example\n');
    const config = loadConfig(baseConfigSchema, { env: { PORT: '5000' }, envFile: file });
    expect(config.PORT).toBe(5000);
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(
      fail(() => loadConfig(baseConfigSchema, { env: {}, envFile: join(dir, 'missing.env') })).problems[0],
    ).toMatch(/does not exist/);
  });

  it('field helpers enforce bounds', () => {
    expect(intVar(5, 1, 10).safeParse('11').success).toBe(false);
    expect(intVar(5, 1, 10).safeParse('1.5').success).toBe(false);
    expect(intVar(5, 1, 10).parse(undefined)).toBe(5);
    expect(boolVar(true).parse(undefined)).toBe(true);
    expect(boolVar(true).parse('0')).toBe(false);
    expect(listVar(['a']).parse(undefined)).toEqual(['a']);
    expect(boolVar(false).parse(' Yes ')).toBe(true);
    expect(boolVar(false).safeParse('maybe').success).toBe(false);
    expect(optionalBoolVar().parse(undefined)).toBeUndefined();
    expect(optionalBoolVar().parse('')).toBeUndefined();
    expect(optionalBoolVar().parse('no')).toBe(false);
    expect(optionalBoolVar().safeParse('2').success).toBe(false);
  });
});
