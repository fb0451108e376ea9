import { ValidationError } from 'keel/errors';

/** Encodes a keyset cursor (the last id returned) as an opaque base64url string. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

/** Decodes a cursor; anything not made by {@link encodeCursor} is a 400. */
export function decodeCursor(value: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    const after = (parsed as { after?: unknown } | null)?.after;
    if (typeof after === 'number' && Number.isSafeInteger(after)) return after;
  } catch {
    // Falls through to the validation error below.
  }
  throw new ValidationError([{ location: 'query', path: 'cursor', message: 'is not a cursor this API returned' }]);
}
