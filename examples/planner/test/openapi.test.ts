import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestDatabase, type TestDatabase } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlannerHarness, startPlanner } from './harness.js';

interface Operation {
  parameters?: { in: string }[];
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

describe('planner OpenAPI document', () => {
  let database: TestDatabase;
  let h: PlannerHarness;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    h = await startPlanner(database);
  });
  afterAll(async () => {
    await h.stop();
    await database.drop();
  });

  it('is valid OpenAPI 3.1 and names the security scheme the planner gives', async () => {
    const doc = (await h.call('GET', '/docs/json')).body;
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    expect(doc.components.schemas.Problem.required).toEqual([
      'type',
      'title',
      'status',
      'detail',
      'instance',
      'requestId',
    ]);
  });

  it('declares on every operation the problems its kind of route can answer, through the one Problem schema', async () => {
    const doc = (await h.call('GET', '/docs/json')).body as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.length).toBeGreaterThan(15);
    for (const { path, method, operation } of operations) {
      const expected = ['500', '503', '429'];
      if (operation.parameters?.length || operation.requestBody) expected.push('400');
      if (operation.requestBody) expected.push('413', '415');
      if (operation.security?.length || path.startsWith('/admin')) expected.push('401', '403');
      if (path.includes('{')) expected.push('404');
      for (const status of expected) {
        const response = operation.responses[status];
        expect(response, `${method.toUpperCase()} ${path} ${status}`).toBeDefined();
        expect(response?.content?.['application/problem+json']?.schema).toEqual({
          $ref: '#/components/schemas/Problem',
        });
      }
      expect(
        Object.keys(operation.responses).some((status) => status.startsWith('2')),
        `${method} ${path}`,
      ).toBe(true);
    }
    expect(doc.paths['/api/v1/auth/register']?.post?.responses['409']).toBeDefined();
    expect(doc.paths['/api/v1/auth/login']?.post?.responses['401']).toBeDefined();
    expect(doc.paths['/admin/jobs/{id}/retry']?.post?.responses['409']).toBeDefined();
    expect(Object.keys(doc.paths).some((path) => path.startsWith('/health') || path === '/metrics')).toBe(false);
  });
});

describe('planner docs switch', () => {
  it('serves no /docs when DOCS_ENABLED is false', async () => {
    const database = await createTestDatabase('sqlite');
    const h = await startPlanner(database, { DOCS_ENABLED: 'false' });
    try {
      expect((await h.call('GET', '/docs/json')).status).toBe(404);
      expect((await h.call('GET', '/docs')).status).toBe(404);
    } finally {
      await h.stop();
      await database.drop();
    }
  });
});
