// The peer: a bare Fastify service with a readiness route, started the way Node starts any built service.
import Fastify from 'fastify';

const app = Fastify();
app.get('/health/ready', async () => ({ status: 'ok' }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ msg: 'HTTP server listening', url })}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
