import { webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../errors/index.js';

/** Signs and verifies the service's HS256 access tokens. */
export class TokenIssuer {
  // A CryptoKey imported once: given bytes or a KeyObject, jose imports a new key on every call.
  private readonly key: Promise<webcrypto.CryptoKey>;
  readonly ttlSeconds: number;

  constructor(
    secret: string,
    ttlSeconds: number,
    private readonly issuer: string,
  ) {
    this.key = webcrypto.subtle.importKey(
      'raw',
      Buffer.from(secret, 'utf8'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    this.ttlSeconds = ttlSeconds;
  }

  /** An access token for a user id. */
  async issue(userId: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(this.issuer)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(await this.key);
  }

  /** The user id a valid token names; any other token is a 401. */
  async verify(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: this.issuer, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('token has no subject');
      return payload.sub;
    } catch (error) {
      throw new UnauthorizedError('The access token is invalid or expired', { cause: error });
    }
  }
}
