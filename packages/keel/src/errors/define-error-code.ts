import { type ErrorCode, type ErrorCodeDefinition, registerErrorCode } from './codes.js';
import { UsageError } from './errors.js';

/**
 * Registers an error code, next to the code that throws it. Codes never change once published:
 * clients branch on them. Defining a code again with the same meaning is a no-op; with another
 * status, title or `exposeMessage` it throws a {@link UsageError}, as does a malformed code or
 * definition.
 *
 * @example
 * ```ts
 * declare module 'keel/errors' {
 *   interface ErrorCodes { event_full: true }
 * }
 * export const EVENT_FULL = defineErrorCode('event_full', { status: 409, title: 'The event is full' });
 * throw new KeelError(EVENT_FULL, 'All 20 seats are taken');
 * ```
 */
export function defineErrorCode<C extends ErrorCode>(code: C, definition: ErrorCodeDefinition): C {
  const problem = registerErrorCode(code, definition);
  if (problem !== undefined) throw new UsageError(`defineErrorCode: ${problem}`);
  return code;
}
