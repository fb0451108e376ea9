import { UnauthorizedError } from 'keel/errors';
import type { HttpAuthOptions, HttpReply, HttpRequest } from 'keel/http';
import type { AccountService } from './service.js';
import type { TokenIssuer } from './tokens.js';

declare module 'keel/http' {
  /** The caller of an authenticated watcher request: `request.principal`. */
  interface Principal {
    id: string;
    email: string;
    name: string;
    role: 'admin' | 'user';
  }
}

/**
 * How the watcher knows its callers: a bearer access token of an existing user; admins by email.
 * The token is verified once per request, shared by the rate limiter (keyed by user) and the guard.
 */
export function bearerAuthentication(
  tokens: TokenIssuer,
  accounts: AccountService,
  adminEmails: ReadonlySet<string>,
): HttpAuthOptions {
  const subjects = new WeakMap<HttpRequest, Promise<string | undefined>>();
  const subject = (request: HttpRequest): Promise<string | undefined> => {
    let found = subjects.get(request);
    if (!found) {
      const token = bearerToken(request);
      found = token ? tokens.verify(token).catch(() => undefined) : Promise.resolve(undefined);
      subjects.set(request, found);
    }
    return found;
  };
  return {
    async authenticate(request: HttpRequest, reply: HttpReply) {
      if (!bearerToken(request)) {
        reply.header('www-authenticate', 'Bearer');
        throw new UnauthorizedError('A bearer access token is required');
      }
      const id = await subject(request);
      const user = id ? await accounts.find(id) : undefined;
      if (!user) {
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        throw new UnauthorizedError('The access token is invalid or expired');
      }
      return { ...user, role: adminEmails.has(user.email) ? 'admin' : 'user' };
    },
    isAdmin: (principal) => principal.role === 'admin',
    // The user for a valid token, the client IP otherwise.
    rateLimitKey: async (request) => {
      const id = await subject(request);
      return id ? `user:${id}` : `ip:${request.ip}`;
    },
  };
}

function bearerToken(request: HttpRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match?.[1];
}
