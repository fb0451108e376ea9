import type { z } from 'zod';
import type { FieldError, FieldLocation } from './errors.js';

/**
 * Turns zod issues into {@link FieldError}s for one input location.
 *
 * @example
 * ```ts
 * const parsed = schema.safeParse(body);
 * if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues, 'body'));
 * ```
 */
export function zodIssuesToFieldErrors(issues: readonly z.core.$ZodIssue[], location: FieldLocation): FieldError[] {
  return issues.map((issue) => ({
    location,
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}
