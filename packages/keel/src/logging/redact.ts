/** Field names (any letter case) whose values never reach a log line, at any depth. */
export const redactedFields = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
];

/** The text that replaces a redacted value. */
export const CENSOR = '[redacted]';

// Deeper than any log object a service builds; stops a cycle from recursing forever.
const MAX_DEPTH = 10;

/**
 * Builds a function that returns `value` with credentials replaced by {@link CENSOR}: any field named
 * in `fields` (case-insensitive) or ending in `password`, `token` or `secret` (`apiToken`,
 * `clientSecret`), in plain objects and arrays at any depth. It copies only what it changes, and never
 * touches the caller's objects; errors and class instances are left to their serializers.
 */
export function createRedactor(fields: readonly string[] = redactedFields): <T>(value: T) => T {
  const names = new Set(fields.map((field) => field.toLowerCase()));
  const isSecret = (key: string): boolean => {
    const lower = key.toLowerCase();
    return names.has(lower) || lower.endsWith('password') || lower.endsWith('token') || lower.endsWith('secret');
  };
  const walk = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i += 1) {
        const next = walk(value[i], depth + 1);
        if (next !== value[i]) {
          copy ??= [...value];
          copy[i] = next;
        }
      }
      return copy ?? value;
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    let copy: Record<string, unknown> | undefined;
    for (const key in value as Record<string, unknown>) {
      const field = (value as Record<string, unknown>)[key];
      const next = isSecret(key) && field !== undefined && field !== null ? CENSOR : walk(field, depth + 1);
      if (next !== field) {
        copy ??= { ...(value as Record<string, unknown>) };
        copy[key] = next;
      }
    }
    return copy ?? value;
  };
  return <T>(value: T): T => walk(value, 0) as T;
}
