import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../logging/index.js';
import { Service } from '../service/index.js';
import { createHttpServer, type HttpServer } from './index.js';

// Raw bytes on a socket: clients normalise URLs and headers, so only a socket sends what a bad client sends.
function exchange(
  url: string,
  bytes: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...lines] = data.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      const body = data.slice(end + 4);
      if (Buffer.byteLength(body) < Number(headers['content-length'] ?? 0)) return;
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('framework errors are problem+json with their own status', () => {
  let service: Service;
  let http: HttpServer;
  beforeAll(async () => {
    service = new Service({ name: 'framework-errors', logger: createLogger({ level: 'silent' }) });
    http = createHttpServer({ port: 0, bodyLimit: 1024 }).routes(async (app) => {
      app.get('/items/:id', { schema: { params: z.object({ id: z.string() }) } }, async (request) => ({
        id: request.params.id,
      }));
      app.post('/items', { schema: { body: z.object({ name: z.string() }) } }, async (request) => request.body);
    });
    service.add(http);
    await service.start();
  });
  afterAll(() => service.stop());

  const body = '{"name":"x"}';
  const cases: [string, string, number, string][] = [
    ['bad URL encoding', 'GET /items/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad_request'],
    [
      'a parameter over the length limit',
      `GET /items/${'9'.repeat(257)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      414,
      'uri_too_long',
    ],
    [
      'malformed JSON',
      'POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"name":x',
      400,
      'bad_request',
    ],
    [
      'an unsupported media type',
      `POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      415,
      'unsupported_media_type',
    ],
    [
      'a body over the limit',
      `POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n${'x'.repeat(2000)}`,
      413,
      'payload_too_large',
    ],
    ['another method where a route exists', 'DELETE /items/1 HTTP/1.1\r\nHost: x\r\n\r\n', 405, 'method_not_allowed'],
    ['an unknown route', 'GET /nothing/here HTTP/1.1\r\nHost: x\r\n\r\n', 404, 'not_found'],
    [
      'headers too large',
      `GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    ['bytes that are not HTTP', 'GARBAGE\r\n\r\n', 400, 'bad_request'],
  ];

  for (const [what, bytes, status, code] of cases) {
    it(`answers ${what} with ${status}`, async () => {
      const response = await exchange(http.url, bytes);
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(response.body) as Record<string, unknown>;
      expect(problem).toMatchObject({ type: `urn:keel:problem:${code}`, status });
      for (const field of ['title', 'detail', 'instance', 'requestId']) expect(typeof problem[field]).toBe('string');
      expect(response.headers['x-request-id']).toBe(problem.requestId);
      expect(JSON.stringify(problem)).not.toMatch(/FST_|HPE_/);
    });
  }

  it('names the allowed methods of a path on 405', async () => {
    const response = await exchange(http.url, 'PUT /items HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    const get = await exchange(http.url, 'POST /items/7 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    expect(get.headers.allow).toBe('GET, HEAD');
  });
});
