// The planner in its own process, so the load generator never shares an event loop with it.
// `prepare`: migrate, register the bench user, stop. `serve`: serve the seeded database until SIGTERM.

import { pino } from 'pino';
import { createPlanner, loadPlannerConfig } from 'planner';

const [mode, dataDir] = process.argv.slice(2) as ['prepare' | 'serve', string];
export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
export const BENCH_ACCOUNT = { email: 'bench@example.com', password: 'bench password', name: 'Bench' };

const config = loadPlannerConfig({
  envFile: false,
  env: {
    NODE_ENV: 'production',
    PORT: '0',
    DATA_DIR: dataDir,
    JWT_SECRET: BENCH_SECRET,
    ADMIN_EMAILS: BENCH_ACCOUNT.email,
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000',
  },
});
// Logging stays on at info, one line per request, written synchronously to /dev/null.
const planner = createPlanner(config, { logDestination: pino.destination({ dest: '/dev/null', sync: true }) });
await planner.service.start();
const base = planner.http.url;
const headers = { 'content-type': 'application/json' };
if (mode === 'prepare') {
  await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers, body: JSON.stringify(BENCH_ACCOUNT) });
}
const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers,
  body: JSON.stringify(BENCH_ACCOUNT),
});
const { accessToken } = (await login.json()) as { accessToken: string };
const me = (await (
  await fetch(`${base}/api/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } })
).json()) as { id: string };
process.stdout.write(`${JSON.stringify({ url: base, token: accessToken, userId: me.id })}\n`);
if (mode === 'prepare') {
  await planner.service.stop('prepared');
} else {
  process.once('SIGTERM', () => {
    void planner.service.stop('bench over').then(() => process.exit(0));
  });
}
