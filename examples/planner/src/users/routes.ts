import type { HttpRoutes } from 'keel/http';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticator.js';

const meSchema = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(['admin', 'user']) });

/** `GET /api/v1/users/me`. */
export function userRoutes(auth: Authenticator): HttpRoutes {
  return async (app) => {
    app.get(
      '/api/v1/users/me',
      {
        onRequest: auth.required,
        schema: { tags: ['users'], summary: 'The caller', security: [{ bearerAuth: [] }], response: { 200: meSchema } },
      },
      async (request) => auth.principal(request),
    );
  };
}
