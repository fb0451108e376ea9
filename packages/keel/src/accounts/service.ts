import { randomUUID } from 'node:crypto';
import type { KeelCache } from '../cache/index.js';
import { ConflictError, UnauthorizedError } from '../errors/index.js';
import { isUniqueViolation } from '../store/index.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { UserRepository } from './repository.js';
import type { TokenIssuer } from './tokens.js';

/** The user fields a request's principal needs (never the password hash). */
export interface AccountView {
  id: string;
  email: string;
  name: string;
}

/** An issued access token, as login answers it. */
export interface AccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** The cache namespace of the per-request user lookup. */
export const USERS_NAMESPACE = 'users';

/** Accounts: registration, login, and the (cached) lookup every authenticated request makes. */
export class AccountService {
  constructor(
    private readonly users: UserRepository,
    private readonly tokens: TokenIssuer,
    private readonly cache: KeelCache,
  ) {}

  async register(input: { email: string; password: string; name: string }): Promise<AccountView> {
    if (await this.users.findByEmail(input.email)) throw new ConflictError('This email is already registered');
    const now = new Date().toISOString();
    const user = {
      id: randomUUID(),
      email: input.email,
      name: input.name,
      password_hash: await hashPassword(input.password),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.users.insert(user);
    } catch (error) {
      // Two registrations of one email racing: the unique index decides.
      if (isUniqueViolation(error)) throw new ConflictError('This email is already registered', { cause: error });
      throw error;
    }
    return { id: user.id, email: user.email, name: user.name };
  }

  async login(input: { email: string; password: string }): Promise<AccessToken> {
    const user = await this.users.findByEmail(input.email);
    if (!(await verifyPassword(user?.password_hash, input.password)) || !user) {
      throw new UnauthorizedError('The email or password is wrong');
    }
    return { accessToken: await this.tokens.issue(user.id), tokenType: 'Bearer', expiresIn: this.tokens.ttlSeconds };
  }

  /** A user by id, from the cache or the database; `undefined` for an unknown id. */
  async find(id: string): Promise<AccountView | undefined> {
    const user = await this.cache.getOrSet(
      id,
      async () => {
        const row = await this.users.findById(id);
        return row ? { id: row.id, email: row.email, name: row.name } : null;
      },
      { namespace: USERS_NAMESPACE, ttlMs: 60_000 },
    );
    return user ?? undefined;
  }
}
