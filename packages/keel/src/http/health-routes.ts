import type { ComponentContext } from '../service/index.js';
import type { HttpApp } from './http-server.js';

/** `GET /health/live`, `/health/ready` and `/health/startup`. */
export function registerHealthRoutes(app: HttpApp, context: ComponentContext): void {
  const hide = { schema: { hide: true } };
  app.get('/health/live', hide, async () => ({ status: 'ok' }));
  app.get('/health/startup', hide, async (_request, reply) => {
    const state = context.state();
    const started = state === 'running' || state === 'stopping';
    return reply.status(started ? 200 : 503).send({ status: started ? 'ok' : 'starting' });
  });
  app.get('/health/ready', hide, async (_request, reply) => {
    const state = context.state();
    if (state !== 'running') {
      return reply
        .status(503)
        .send({ status: 'down', reason: state === 'stopping' ? 'shutting down' : state, checks: {} });
    }
    const report = await context.health.run();
    // A shutdown that began while the checks ran wins: no 200 goes out after the signal.
    if (context.state() !== 'running') {
      return reply.status(503).send({ status: 'down', reason: 'shutting down', checks: report.checks });
    }
    return reply.status(report.status === 'down' ? 503 : 200).send(report);
  });
}
