import type { z } from 'zod';
import { ValidationError } from '../errors/index.js';

/**
 * Encodes a keyset cursor (the sort key of the last item a page returned) as an opaque base64url
 * string for a `cursor` query parameter.
 *
 * @example
 * ```ts
 * const nextCursor = last ? encodeCursor([last.starts_at, last.id]) : null;
 * ```
 */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor}, checked against `schema`; anything else is a 400
 * on the `cursor` query parameter, never a 500.
 *
 * @example
 * ```ts
 * const [startsAt, id] = decodeCursor(request.query.cursor, z.tuple([z.string(), z.string()]));
 * ```
 */
export function decodeCursor<S extends z.ZodType>(value: string, schema: S): z.output<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const checked = schema.safeParse(parsed);
  if (checked.success) return checked.data;
  throw new ValidationError([{ location: 'query', path: 'cursor', message: 'is not a cursor this API returned' }]);
}
