import { UnauthorizedError } from '../errors/index.js';
import type { HttpAuthOptions, HttpReply, HttpRequest, Principal } from '../http/index.js';
import type { AccountService } from './service.js';
import type { TokenIssuer } from './tokens.js';

/**
 * The caller of a request authenticated by {@link accountsFeature}. A service makes it its
 * `request.principal` type once: `declare module 'keel/http' { interface Principal extends AccountPrincipal {} }`.
 *
 * @example
 * ```ts
 * app.get('/mine', { onRequest: guards.authenticated }, async (request) => list(request.principal.id));
 * ```
 */
export interface AccountPrincipal {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'user';
}

// Principal is typed by each service's augmentation, which Keel's own build cannot see.
const asPrincipal = (principal: AccountPrincipal): Principal => principal as unknown as Principal;
const asAccount = (principal: Principal): AccountPrincipal => principal as unknown as AccountPrincipal;

/**
 * How a service knows its callers: a bearer access token of an existing user; admins by email.
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
      return asPrincipal({ ...user, role: adminEmails.has(user.email) ? 'admin' : 'user' });
    },
    isAdmin: (principal) => asAccount(principal).role === 'admin',
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
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
