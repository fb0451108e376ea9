import { decodeCursor as decodeKeelCursor, encodeCursor as encodeKeelCursor } from 'keel/http';
import { z } from 'zod';

/** An opaque keyset cursor: the sort key of the last item returned. */
export interface Cursor {
  key: string;
  id: string;
}

const cursorKey = z.tuple([z.string(), z.string()]);

/** Encodes a cursor as base64url JSON. */
export function encodeCursor(cursor: Cursor): string {
  return encodeKeelCursor([cursor.key, cursor.id]);
}

/** Decodes a cursor; anything not made by {@link encodeCursor} is a 400. */
export function decodeCursor(value: string): Cursor {
  const [key, id] = decodeKeelCursor(value, cursorKey);
  return { key, id };
}
