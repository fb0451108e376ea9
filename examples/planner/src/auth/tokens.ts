import { type KeyObject, createSecretKey } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { UnauthorizedError } from 'keel/errors';

const ISSUER = 'planner';

/** Signs and verifies the planner's HS256 access tokens. */
export class TokenIssuer {
  // A KeyObject made once: given raw bytes, jose would import a new key on every verify.
  private readonly key: KeyObject;
  readonly ttlSeconds: number;

  constructor(secret: string, ttlSeconds: number) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.ttlSeconds = ttlSeconds;
  }

  /** An access token for a user id. */
  async issue(userId: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** The user id a valid token names; any other token is a 401. */
  async verify(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('token has no subject');
      return payload.sub;
    } catch (error) {
      throw new UnauthorizedError('The access token is invalid or expired', { cause: error });
    }
  }
}
