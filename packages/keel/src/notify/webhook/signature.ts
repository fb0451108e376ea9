import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { defineErrorCode, KeelError, UsageError } from '../../errors/index.js';

declare module '../../errors/index.js' {
  interface ErrorCodes {
    /** A webhook's signature, timestamp or headers did not verify. */
    webhook_signature_invalid: true;
  }
}

/**
 * The code of a {@link WebhookVerificationError} (401).
 *
 * @example
 * ```ts
 * if (isKeelError(error) && error.code === WEBHOOK_SIGNATURE_INVALID) reply.code(401);
 * ```
 */
export const WEBHOOK_SIGNATURE_INVALID = defineErrorCode('webhook_signature_invalid', {
  status: 401,
  title: 'Webhook signature invalid',
});

/**
 * A received webhook did not verify: a missing header, a stale timestamp or no matching signature.
 *
 * @example
 * ```ts
 * try { verifyWebhook({ secret, headers: request.headers, body: rawBody }); }
 * catch (error) { if (error instanceof WebhookVerificationError) reply.code(401); }
 * ```
 */
export class WebhookVerificationError extends KeelError {
  constructor(message: string) {
    super(WEBHOOK_SIGNATURE_INVALID, message);
    this.name = 'WebhookVerificationError';
  }
}

const PREFIX = 'whsec_';

/** A new `whsec_` secret: 24 random bytes, base64. */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(24).toString('base64')}`;
}

/** Whether a string is a `whsec_` secret with a base64 key of 16 to 64 bytes. */
export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(PREFIX)) return false;
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  return key.length >= 16 && key.length <= 64;
}

function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The `webhook-signature` header: one `v1,<base64>` per secret, space-separated. */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => `v1,${sign(secret, id, timestamp, body)}`).join(' ');
}

/**
 * What {@link verifyWebhook} checks.
 *
 * @example
 * ```ts
 * const input: VerifyWebhookInput = { secret: process.env.WEBHOOK_SECRET!, headers: request.headers, body: rawBody };
 * ```
 */
export interface VerifyWebhookInput {
  /** The endpoint's `whsec_` secret (or, during a rotation, `secrets`: any one may match). */
  secret?: string;
  secrets?: readonly string[];
  /** The request's headers (names in any case). */
  headers: Record<string, string | string[] | undefined> | Headers;
  /** The raw body, exactly as received. */
  body: string | Uint8Array;
  /** How far the timestamp may be from now. @defaultValue 300 */
  toleranceSeconds?: number;
  /** Now, in ms (tests). @defaultValue Date.now() */
  nowMs?: number;
}

function header(headers: VerifyWebhookInput['headers'], name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies a Standard Webhooks request (the receiver's side): headers `webhook-id`,
 * `webhook-timestamp` (within the tolerance) and a `webhook-signature` that matches one of the
 * secrets. Answers the parsed JSON body; throws a {@link WebhookVerificationError} otherwise.
 *
 * @example
 * ```ts
 * const event = verifyWebhook({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers: request.headers, body: rawBody });
 * ```
 */
export function verifyWebhook(input: VerifyWebhookInput): unknown {
  const secrets = [...(input.secrets ?? []), ...(input.secret ? [input.secret] : [])];
  if (secrets.length === 0) throw new UsageError('verifyWebhook needs a secret or secrets');
  const id = header(input.headers, 'webhook-id');
  const timestamp = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook headers');
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(seconds)) {
    throw new WebhookVerificationError('Invalid webhook timestamp');
  }
  const nowSeconds = Math.floor((input.nowMs ?? Date.now()) / 1000);
  const tolerance = input.toleranceSeconds ?? 300;
  if (Math.abs(nowSeconds - seconds) > tolerance)
    throw new WebhookVerificationError('Webhook timestamp too old or too new');
  const body = typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
  const expected = secrets.map((secret) => Buffer.from(sign(secret, id, seconds, body)));
  for (const part of signatures.split(' ')) {
    const [version, value] = part.split(',');
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value);
    if (expected.some((e) => e.length === given.length && timingSafeEqual(e, given))) {
      return JSON.parse(body) as unknown;
    }
  }
  throw new WebhookVerificationError('No matching webhook signature');
}
