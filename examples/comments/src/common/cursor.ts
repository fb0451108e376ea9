import { decodeCursor as decodeKeelCursor, encodeCursor as encodeKeelCursor } from 'keel/http';
import { z } from 'zod';

const cursorKey = z.object({ after: z.number().int().refine(Number.isSafeInteger) });

/** Encodes a keyset cursor (the last id returned) as an opaque base64url string. */
export function encodeCursor(lastId: number): string {
  return encodeKeelCursor({ after: lastId });
}

/** Decodes a cursor; anything not made by {@link encodeCursor} is a 400. */
export function decodeCursor(value: string): number {
  return decodeKeelCursor(value, cursorKey).after;
}
