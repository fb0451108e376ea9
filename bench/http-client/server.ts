// The bench's origin, in its own process so its CPU is not the client's: a keep-alive node:http
// server answering every GET with the same small JSON document. Prints its URL as one JSON line.
import { createServer } from 'node:http';

const body = JSON.stringify({
  id: 42,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  tags: ['math', 'engines'],
  active: true,
});
const length = String(Buffer.byteLength(body));
const server = createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
