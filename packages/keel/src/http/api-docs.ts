import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { KeelError } from '../errors/index.js';
import type { HttpApp, HttpOpenApiOptions } from './http-server.js';
import { problemBody } from './problem.js';
import { PROBLEM_SCHEMA, problemResponseObjects, problemSchema, problemStatuses } from './problem-responses.js';
import type { ResponseContract } from './response-contract.js';

/** What {@link registerApiDocs} needs of the server's options. */
export interface ApiDocsOptions {
  openapi: HttpOpenApiOptions;
  rateLimited: boolean;
  checkResponses: boolean;
}

/**
 * The OpenAPI 3.1 document at `/docs/json` and its UI at `/docs`: every route declares the
 * problem+json answers it can give, and with `checkResponses` every answer is held to the document.
 */
export async function registerApiDocs(app: HttpApp, options: ApiDocsOptions): Promise<void> {
  const { openapi } = options;
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: openapi.title ?? 'API',
        version: openapi.version ?? '1.0.0',
        ...(openapi.description ? { description: openapi.description } : {}),
      },
      components: {
        securitySchemes: { ...openapi.securitySchemes },
        schemas: { [PROBLEM_SCHEMA]: problemSchema as Record<string, unknown> },
      },
    },
    transform: (input) => {
      const transformed = jsonSchemaTransform(input);
      const schema = transformed.schema ?? {};
      if (schema.hide) return transformed;
      // Every route declares the problem+json answers it can give, from what the route is.
      const declared = (schema.response ?? {}) as Record<string, unknown>;
      const success = Object.keys(declared).some((status) => status.startsWith('2'));
      const response = {
        ...problemResponseObjects(problemStatuses(input.route, { rateLimited: options.rateLimited })),
        ...(success ? {} : { 200: { description: 'Default Response' } }),
        ...declared,
      };
      return { ...transformed, schema: { ...schema, response } };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  if (options.checkResponses) await checkResponses(app);
}

async function checkResponses(app: HttpApp): Promise<void> {
  // A test-only check: its JSON Schema validator is loaded only when asked for.
  const { ResponseContract } = await import('./response-contract.js');
  let contract: ResponseContract | undefined;
  app.addHook('onSend', async (request, reply, payload) => {
    contract ??= new ResponseContract(app.swagger() as Record<string, unknown>);
    const violations = contract.violations({
      method: request.method,
      route: request.routeOptions.url,
      status: reply.statusCode,
      contentType: reply.getHeader('content-type')?.toString(),
      body: serialized(payload),
    });
    if (violations.length === 0) return payload;
    request.log.error({ violations }, 'the answer does not match the OpenAPI document');
    // Test suites read what broke the contract from the answer itself.
    const error = new KeelError('internal', 'The answer does not match the API contract', {
      extensions: { violations },
    });
    reply.status(500).type('application/problem+json');
    return JSON.stringify(problemBody(error, request));
  });
}

// What onSend is given, as text; undefined for a stream, which is not checked.
function serialized(payload: unknown): string | undefined {
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString();
  return payload === null || payload === undefined ? '' : undefined;
}
