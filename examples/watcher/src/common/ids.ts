import { randomUUID } from 'node:crypto';
import { NotFoundError } from 'keel/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new random id. */
export function newId(): string {
  return randomUUID();
}

/** True when `value` has the shape of an id. */
export function isId(value: string): boolean {
  return UUID.test(value);
}

/** The id, lowercased; a malformed one is answered like an unknown one (404), never 400 or 500. */
export function idOrNotFound(value: string, what: string): string {
  if (!isId(value)) throw new NotFoundError(`${what} ${JSON.stringify(value.slice(0, 64))} was not found`);
  return value.toLowerCase();
}
