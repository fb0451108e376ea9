import { z } from 'zod';
import type { AuthGuards, HttpRoutes } from '../http/index.js';
import type { AccountPrincipal } from './authentication.js';
import type { AccountService } from './service.js';

const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }))
  .transform((value) => value.toLowerCase());

const registerBody = z.object({
  email,
  password: z.string().min(8, 'must be at least 8 characters').max(256),
  name: z.string().trim().min(1, 'must not be blank').max(100),
});
const loginBody = z.object({ email, password: z.string().min(1).max(256) });
const userSchema = z.object({ id: z.string(), email: z.string(), name: z.string() });
const tokenSchema = z.object({ accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number() });
const meSchema = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(['admin', 'user']) });

/** `POST /auth/register` and `POST /auth/login` (rate limited per client IP), and `GET /users/me`. */
export function accountRoutes(accounts: AccountService, guards: AuthGuards, perMinute: number): HttpRoutes {
  const rateLimit = {
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request: { ip: string }) => `auth:${request.ip}`,
  };
  return async (app) => {
    app.post(
      '/auth/register',
      {
        config: { rateLimit },
        schema: {
          tags: ['auth'],
          summary: 'Create an account',
          body: registerBody,
          problems: [409],
          response: { 201: userSchema },
        },
      },
      async (request, reply) => reply.status(201).send(await accounts.register(request.body)),
    );

    app.post(
      '/auth/login',
      {
        config: { rateLimit },
        schema: {
          tags: ['auth'],
          summary: 'Exchange credentials for an access token',
          body: loginBody,
          problems: [401],
          response: { 200: tokenSchema },
        },
      },
      async (request) => accounts.login(request.body),
    );

    app.get(
      '/users/me',
      {
        onRequest: guards.authenticated,
        schema: { tags: ['users'], summary: 'The caller', security: [{ bearerAuth: [] }], response: { 200: meSchema } },
      },
      // The principal is the one bearerAuthentication returned: an AccountPrincipal.
      async (request) => request.principal as unknown as AccountPrincipal,
    );
  };
}
