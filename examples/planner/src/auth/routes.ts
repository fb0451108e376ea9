import { ConflictError, UnauthorizedError } from 'keel/errors';
import type { HttpRoutes } from 'keel/http';
import { isUniqueViolation } from 'keel/store';
import { z } from 'zod';
import { newId } from '../common/ids.js';
import type { UserRepository } from '../users/repository.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { TokenIssuer } from './tokens.js';

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

/** `POST /api/v1/auth/register` and `POST /api/v1/auth/login`, rate limited per client IP. */
export function authRoutes(deps: { users: UserRepository; tokens: TokenIssuer; perMinute: number }): HttpRoutes {
  const rateLimit = {
    max: deps.perMinute,
    timeWindow: 60_000,
    keyGenerator: (request: { ip: string }) => `auth:${request.ip}`,
  };
  return async (app) => {
    app.post(
      '/api/v1/auth/register',
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
      async (request, reply) => {
        const { email: address, password, name } = request.body;
        if (await deps.users.findByEmail(address)) throw new ConflictError('This email is already registered');
        const now = new Date().toISOString();
        const user = {
          id: newId(),
          email: address,
          name,
          password_hash: await hashPassword(password),
          created_at: now,
          updated_at: now,
        };
        try {
          await deps.users.insert(user);
        } catch (error) {
          // Two registrations of one email racing: the unique index decides.
          if (isUniqueViolation(error)) throw new ConflictError('This email is already registered', { cause: error });
          throw error;
        }
        return reply.status(201).send({ id: user.id, email: user.email, name: user.name });
      },
    );

    app.post(
      '/api/v1/auth/login',
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
      async (request) => {
        const user = await deps.users.findByEmail(request.body.email);
        if (!(await verifyPassword(user?.password_hash, request.body.password)) || !user) {
          throw new UnauthorizedError('The email or password is wrong');
        }
        return {
          accessToken: await deps.tokens.issue(user.id),
          tokenType: 'Bearer' as const,
          expiresIn: deps.tokens.ttlSeconds,
        };
      },
    );
  };
}
