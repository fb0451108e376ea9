import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestDatabase, type TestDatabase } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatcher, type WatcherHarness } from './harness.js';

interface Operation {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

describe('the watcher OpenAPI document', () => {
  let database: TestDatabase;
  let h: WatcherHarness;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    h = await startWatcher(database);
  });
  afterAll(async () => {
    await h?.stop();
    await database?.drop();
  });

  it('is valid OpenAPI 3.1 and documents every watcher route with its answers', async () => {
    const doc = (await h.call('GET', '/docs/json')).body as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
    };
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(doc.openapi).toBe('3.1.0');
    const expected: [string, string, string[]][] = [
      ['/api/v1/auth/register', 'post', ['201', '409']],
      ['/api/v1/auth/login', 'post', ['200', '401']],
      ['/api/v1/users/me', 'get', ['200', '401']],
      ['/api/v1/users/me/telegram', 'put', ['200', '400', '401']],
      ['/api/v1/users/me/telegram', 'get', ['200', '401', '404']],
      ['/api/v1/watchlist', 'post', ['201', '400', '401']],
      ['/api/v1/watchlist', 'get', ['200', '401']],
      ['/api/v1/watchlist/{id}', 'delete', ['204', '401', '403', '404']],
      ['/api/v1/watchlist/{id}/results', 'get', ['200', '400', '401', '403', '404']],
      ['/api/v1/watchlist/{id}/check', 'post', ['202', '401', '403', '404']],
      ['/admin/notify/stats', 'get', ['200', '401', '403']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      for (const status of statuses) expect(operation!.responses[status], `${method} ${path} ${status}`).toBeDefined();
    }
  });
});
