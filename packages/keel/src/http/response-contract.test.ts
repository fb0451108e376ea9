import type { FastifyReply } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { Service } from '../service/index.js';
import { createHttpServer, type HttpServer } from './index.js';

describe('response contract (checkResponses)', () => {
  let service: Service;
  let http: HttpServer;
  const lines: string[] = [];
  beforeAll(async () => {
    const logger = createLogger({
      level: 'error',
      destination: { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream,
    });
    service = new Service({ name: 'contract', logger });
    http = createHttpServer({ port: 0, checkResponses: true }).routes(async (app) => {
      const item = z.object({ id: z.string() });
      app.get('/declared/:id', { schema: { params: item, response: { 200: item } } }, async (request) => ({
        id: request.params.id,
      }));
      // Typed routes cannot even name an undeclared status; an untyped reply can.
      app.post('/undeclared-status', { schema: { response: { 200: item } } }, async (_request, reply) => {
        await (reply as unknown as FastifyReply).status(202).send({ id: 'x' });
      });
      app.get('/undeclared-problem', { schema: { response: { 200: item } } }, async () => {
        throw new ConflictError('taken');
      });
      app.get('/declared-problem', { schema: { problems: [409], response: { 200: item } } }, async () => {
        throw new ConflictError('taken');
      });
      app.get('/no-schema', async (_request, reply) => reply.type('text/plain').send('plain words'));
    });
    service.add(http);
    await service.start();
  });
  afterAll(() => service.stop());

  it('lets through answers the document declares, problems included', async () => {
    const declared = await http.app.inject('/declared/abc');
    expect(declared.body).toBe('{"id":"abc"}');
    expect(declared.statusCode).toBe(200);
    expect((await http.app.inject('/declared-problem')).statusCode).toBe(409);
    expect((await http.app.inject('/nowhere')).statusCode).toBe(404);
  });

  it.each([
    ['POST', '/undeclared-status', /status 202 is not declared for POST \/undeclared-status/],
    ['GET', '/undeclared-problem', /status 409 is not declared for GET \/undeclared-problem/],
    ['GET', '/no-schema', /GET \/no-schema 200 declares application\/json, not text\/plain/],
  ])('turns %s %s into a logged 500', async (method, url, violation) => {
    const response = await http.app.inject({ method: method as 'GET', url });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().violations.join('; ')).toMatch(violation);
    expect(lines.some((line) => line.includes('the answer does not match the OpenAPI document'))).toBe(true);
  });
});
