import { ForbiddenError, UnauthorizedError } from 'keel/errors';
import type { HttpReply as FastifyReply, HttpRequest as FastifyRequest } from 'keel/http';
import type { TokenIssuer } from './tokens.js';

/** The caller of an authenticated request. */
export interface Principal {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'user';
}

/**
 * Resolves the bearer token of a request to a {@link Principal}, once per request: the rate limiter
 * (keyed by user) and the route's guard share the result.
 */
export class Authenticator {
  private readonly subjects = new WeakMap<FastifyRequest, Promise<string | undefined>>();
  private readonly principals = new WeakMap<FastifyRequest, Principal>();

  constructor(
    private readonly tokens: TokenIssuer,
    private readonly findUser: (id: string) => Promise<{ id: string; email: string; name: string } | undefined>,
    private readonly adminEmails: ReadonlySet<string>,
  ) {}

  /** The verified token subject, or undefined when the request has no valid bearer token. */
  subject(request: FastifyRequest): Promise<string | undefined> {
    let subject = this.subjects.get(request);
    if (!subject) {
      const token = bearerToken(request);
      subject = token ? this.tokens.verify(token).catch(() => undefined) : Promise.resolve(undefined);
      this.subjects.set(request, subject);
    }
    return subject;
  }

  /** The rate limiter's key: the user for a valid token, the client IP otherwise. */
  rateLimitKey = async (request: FastifyRequest): Promise<string> => {
    const subject = await this.subject(request);
    return subject ? `user:${subject}` : `ip:${request.ip}`;
  };

  /** Route guard: a valid token of an existing user, or 401. */
  required = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request);
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      throw new UnauthorizedError('A bearer access token is required');
    }
    const subject = await this.subject(request);
    const user = subject ? await this.findUser(subject) : undefined;
    if (!user) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new UnauthorizedError('The access token is invalid or expired');
    }
    this.principals.set(request, {
      id: user.id,
      email: user.email,
      name: user.name,
      role: this.adminEmails.has(user.email) ? 'admin' : 'user',
    });
  };

  /** Route guard: an admin's token, else 401 or 403. */
  admin = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await this.required(request, reply);
    if (this.principal(request).role !== 'admin') throw new ForbiddenError('This needs an admin');
  };

  /** The caller, after {@link required} ran as the route's guard. */
  principal(request: FastifyRequest): Principal {
    const principal = this.principals.get(request);
    if (!principal) throw new UnauthorizedError('A bearer access token is required');
    return principal;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match?.[1];
}
