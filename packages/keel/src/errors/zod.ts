import type { z } from 'zod';
import type { FieldError } from './errors.js';

/** Turns zod issues into {@link FieldError}s for one input location. */
export function zodIssuesToFieldErrors(issues: readonly z.core.$ZodIssue[], location: string): FieldError[] {
  return issues.map((issue) => ({
    location,
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}
