import { ValidationError } from 'keel/errors';

/** An opaque keyset cursor: the sort key of the last item returned. */
export interface Cursor {
  key: string;
  id: string;
}

/** Encodes a cursor as base64url JSON. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id])).toString('base64url');
}

/** Decodes a cursor; anything not made by {@link encodeCursor} is a 400. */
export function decodeCursor(value: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((part) => typeof part === 'string')) {
      return { key: parsed[0] as string, id: parsed[1] as string };
    }
  } catch {
    // Falls through to the validation error below.
  }
  throw new ValidationError([{ location: 'query', path: 'cursor', message: 'is not a cursor this API returned' }]);
}
