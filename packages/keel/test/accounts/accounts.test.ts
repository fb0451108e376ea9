import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccountPrincipal,
  type AccountTables,
  accountSecrets,
  accountsConfigSchema,
  accountsFeature,
} from '../../src/accounts/index.js';
import { type AppConfig, appConfigSchema } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError, UsageError } from '../../src/errors/index.js';
import { createTestApp, type TestApp, testDialects } from '../../src/testing/index.js';

declare module '../../src/http/index.js' {
  interface Principal extends AccountPrincipal {}
}

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const schema = appConfigSchema.extend(accountsConfigSchema.shape);
type Config = AppConfig & typeof schema._zod.output;
const accounts = accountsFeature<AccountTables, Config>({ issuer: 'accounts-test' });

const env = { JWT_SECRET: SECRET, ADMIN_EMAILS: 'Boss@Example.com', RATE_LIMIT_AUTH_PER_MINUTE: '8' };

for (const dialect of testDialects) {
  describe(`keel/accounts on ${dialect}`, () => {
    let test: TestApp<AccountTables, Config>;
    beforeAll(async () => {
      test = await createTestApp<AccountTables, Config>({
        dialect,
        env,
        features: [accounts],
        loadConfig: (values) => loadConfig(schema, { envFile: false, env: values, secrets: accountSecrets }),
      });
    });
    afterAll(async () => test?.close());

    const register = (email: string, password = 'correct horse battery', name = 'Ann') =>
      test.inject('POST', '/api/v1/auth/register', {
        body: { email, password, name },
        headers: { 'x-forwarded-for': email },
      });
    const login = (email: string, password: string) =>
      test.inject('POST', '/api/v1/auth/login', { body: { email, password } });

    it('registers, logs in and answers users/me with the role by ADMIN_EMAILS', async () => {
      const created = await register('ann@example.com');
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ email: 'ann@example.com', name: 'Ann' });
      expect(created.body).not.toHaveProperty('password_hash');
      const token = ((await login('ANN@example.com', 'correct horse battery')).body as { accessToken: string })
        .accessToken;
      const me = await test.inject('GET', '/api/v1/users/me', { token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email: 'ann@example.com', role: 'user' });

      expect((await register('boss@example.com', 'correct horse battery', 'Boss')).status).toBe(201);
      const bossToken = ((await login('boss@example.com', 'correct horse battery')).body as { accessToken: string })
        .accessToken;
      expect((await test.inject('GET', '/api/v1/users/me', { token: bossToken })).body).toMatchObject({
        role: 'admin',
      });
    });

    it('refuses a taken email with 409, a wrong password and an unknown email alike with 401', async () => {
      await register('taken@example.com');
      const again = await register('Taken@Example.com');
      expect(again.status).toBe(409);
      expect(again.headers['content-type']).toContain('application/problem+json');
      const wrong = await login('taken@example.com', 'not the password');
      const unknown = await login('nobody@example.com', 'not the password');
      expect([wrong.status, unknown.status]).toEqual([401, 401]);
      expect(wrong.problem?.detail).toBe(unknown.problem?.detail);
    });

    it('refuses missing, forged, expired and foreign tokens with 401 and WWW-Authenticate', async () => {
      const created = await register('tokens@example.com');
      const id = (created.body as { id: string }).id;
      const key = new TextEncoder().encode(SECRET);
      const sign = (issuer: string, expiresAt: number, secret = key) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(id)
          .setIssuer(issuer)
          .setExpirationTime(expiresAt)
          .sign(secret);
      const now = Math.floor(Date.now() / 1000);
      const valid = await sign('accounts-test', now + 600);
      expect((await test.inject('GET', '/api/v1/users/me', { token: valid })).status).toBe(200);

      const none = await test.inject('GET', '/api/v1/users/me');
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      for (const token of [
        await sign('accounts-test', now - 10),
        await sign('another-service', now + 600),
        await sign('accounts-test', now + 600, new TextEncoder().encode('another-secret-of-at-least-32-bytes!!')),
        'not.a.token',
      ]) {
        const answer = await test.inject('GET', '/api/v1/users/me', { token });
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      }
    });

    it('answers 400 with the fields for a bad registration', async () => {
      const answer = await test.inject('POST', '/api/v1/auth/register', {
        body: { email: 'not-an-email', password: 'short', name: ' ' },
      });
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.problem)).toContain('email');
    });

    it('rate limits login attempts per client with 429 and Retry-After', async () => {
      const statuses: number[] = [];
      let retryAfter: unknown;
      for (let i = 0; i < 10; i++) {
        const answer = await test.inject('POST', '/api/v1/auth/login', {
          body: { email: 'limit@example.com', password: 'whatever-it-is' },
          headers: { 'x-forwarded-for': '203.0.113.9' },
        });
        statuses.push(answer.status);
        if (answer.status === 429) retryAfter = answer.headers['retry-after'];
      }
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
      expect(statuses.filter((status) => status !== 429).length).toBeLessThanOrEqual(8);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    });
  });
}

describe('keel/accounts misuse', () => {
  it('refuses bad options and a weak secret in production', () => {
    expect(() => accountsFeature({ issuer: '' })).toThrow(UsageError);
    expect(() => accountsFeature({ prefix: 'no-slash' })).toThrow(UsageError);
    expect(() =>
      loadConfig(schema, {
        envFile: false,
        env: { NODE_ENV: 'production', JWT_SECRET: 'short' },
        secrets: accountSecrets,
      }),
    ).toThrow(ConfigError);
  });
});
