// One server per process, so the load generator never shares an event loop with the server it measures.
import { webcrypto } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { jwtVerify, SignJWT } from 'jose';
import { createLogDestination } from 'keel/logging';
import { Kysely, SqliteDialect } from 'kysely';
import { pino } from 'pino';
import { createPlanner, loadPlannerConfig } from 'planner';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

/** Starts the planner (full Keel stack) with a user, and prints its URL and a token. */
async function keel(): Promise<{ url: string; token: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keel-bench-http-'));
  const config = loadPlannerConfig({
    envFile: false,
    env: {
      NODE_ENV: 'production',
      PORT: '0',
      DATA_DIR: dataDir,
      JWT_SECRET: SECRET,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      LOG_PRETTY: 'false',
      RATE_LIMIT_PER_MINUTE: '1000000000',
      RATE_LIMIT_AUTH_PER_MINUTE: '1000',
    },
  });
  // Logging stays on at info, one line per request, through Keel's default destination, into /dev/null.
  const planner = createPlanner(config, {
    logDestination: createLogDestination({ file: process.env.BENCH_LOG_FILE ?? '/dev/null' }),
  });
  await planner.service.start();
  const base = planner.http.url;
  const headers = { 'content-type': 'application/json' };
  const account = { email: 'bench@example.com', password: 'bench password', name: 'Bench' };
  await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers, body: JSON.stringify(account) });
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers, body: JSON.stringify(account) });
  const { accessToken } = (await login.json()) as { accessToken: string };
  return { url: `${base}/api/v1/users/me`, token: accessToken };
}

interface UserRow {
  id: string;
  email: string;
  name: string;
}

/** Bare Fastify serving the same route with the same work: verify the JWT, read the user with Kysely. */
async function bare(): Promise<{ url: string; token: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keel-bench-bare-'));
  const sqlite = new Database(join(dataDir, 'bare.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.exec('create table users (id text primary key, email text not null unique, name text not null)');
  sqlite.prepare('insert into users values (?, ?, ?)').run('u1', 'bench@example.com', 'Bench');
  const db = new Kysely<{ users: UserRow }>({ dialect: new SqliteDialect({ database: sqlite }) });
  // The same key handling as the planner's: one CryptoKey, imported once.
  const key = await webcrypto.subtle.importKey(
    'raw',
    Buffer.from(SECRET, 'utf8'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  // Logging on at the same level as the planner's, one line per completed request into /dev/null, through
  // pino's own buffered synchronous destination: what a production Fastify service logs per request.
  const logger = pino(
    { level: process.env.BENCH_LOG_LEVEL ?? 'info' },
    pino.destination({ dest: process.env.BENCH_LOG_FILE ?? '/dev/null', sync: true, minLength: 4096 }),
  );
  const app = Fastify({ loggerInstance: logger, disableRequestLogging: true });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      { method: request.method, url: request.url, statusCode: reply.statusCode, durationMs: reply.elapsedTime },
      'request completed',
    );
    done();
  });
  app.get('/api/v1/users/me', async (request, reply) => {
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    if (!match) return reply.status(401).send({ error: 'unauthorized' });
    const { payload } = await jwtVerify(match[1]!, key, { issuer: 'planner', algorithms: ['HS256'] });
    const user = await db.selectFrom('users').selectAll().where('id', '=', String(payload.sub)).executeTakeFirst();
    if (!user) return reply.status(401).send({ error: 'unauthorized' });
    return { id: user.id, email: user.email, name: user.name, role: 'user' };
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u1')
    .setIssuer('planner')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key);
  return { url: `${address}/api/v1/users/me`, token };
}

const which = process.argv[2];
const started = which === 'keel' ? await keel() : which === 'bare' ? await bare() : undefined;
if (!started) throw new Error('usage: servers.ts keel|bare');
process.stdout.write(`${JSON.stringify(started)}\n`);
process.on('SIGTERM', () => process.exit(0));
