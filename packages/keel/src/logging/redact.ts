import { pino } from 'pino';

/**
 * Field names whose values never reach a log line, at any depth. Compared in any letter case and
 * without `-` or `_`, so `Set-Cookie`, `set_cookie` and `setCookie` are one name. Internal: the
 * documented list is {@link createLogger}'s.
 */
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

/**
 * Endings that mark a credential whatever comes before them: `apiToken`, `clientSecret`,
 * `proxy-authorization`, `x-api-key`, `db_password`, plurals included (`tokens`).
 */
const SECRET_ENDINGS = [
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'token',
  'tokens',
  'secret',
  'secrets',
  'authorization',
  'cookie',
  'cookies',
  'apikey',
  'apikeys',
  'privatekey',
];

/** The text that replaces a redacted value. */
export const CENSOR = '[redacted]';
/** What replaces an object met again inside itself. */
export const CIRCULAR = '[Circular]';
/** What replaces what lies deeper than {@link MAX_DEPTH}: cut, so nothing there can leak. */
export const TOO_DEEP = '[too deep]';

// Far deeper than any log object a service builds, shallow enough for the stack.
const MAX_DEPTH = 64;
// Key names repeat from line to line; a few thousand answers cover a service's vocabulary.
const MAX_REMEMBERED_KEYS = 4096;

// pino's serialized errors have their own prototype: walked like plain objects, so a credential in
// an error's own fields (an HTTP client's `config.headers.authorization`) is redacted too.
const serializedErrorPrototype: unknown = Object.getPrototypeOf(pino.stdSerializers.err(new Error('probe')));

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/**
 * Builds a function that returns `value` with credentials replaced by {@link CENSOR}: any field named
 * in `fields` or ending in a credential's name ({@link SECRET_ENDINGS}), compared in any letter case
 * and without `-` or `_`, in plain objects, arrays and serialized errors at any depth. It copies only
 * what it changes, and never touches the caller's objects. A cycle is cut at {@link CIRCULAR} and
 * anything deeper than 64 levels at {@link TOO_DEEP}, so nothing is let through unchecked. Errors
 * and class instances are left to their serializers (whose output passes through here again).
 */
export function createRedactor(fields: readonly string[] = redactedFields): <T>(value: T) => T {
  const names = new Set(fields.map(normalize));
  const remembered = new Map<string, boolean>();
  const isSecret = (key: string): boolean => {
    const known = remembered.get(key);
    if (known !== undefined) return known;
    const name = normalize(key);
    const secret = names.has(name) || SECRET_ENDINGS.some((ending) => name.endsWith(ending));
    if (remembered.size < MAX_REMEMBERED_KEYS) remembered.set(key, secret);
    return secret;
  };
  const ancestors: object[] = [];
  const walk = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const isArray = Array.isArray(value);
    if (!isArray) {
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null && prototype !== serializedErrorPrototype) return value;
    }
    if (ancestors.includes(value)) return CIRCULAR;
    if (ancestors.length >= MAX_DEPTH) return TOO_DEEP;
    ancestors.push(value);
    try {
      if (isArray) {
        let copy: unknown[] | undefined;
        for (let i = 0; i < value.length; i += 1) {
          const next = walk(value[i]);
          if (next !== value[i]) {
            copy ??= [...value];
            copy[i] = next;
          }
        }
        return copy ?? value;
      }
      let copy: Record<string, unknown> | undefined;
      for (const key in value as Record<string, unknown>) {
        const field = (value as Record<string, unknown>)[key];
        const next = field !== undefined && field !== null && isSecret(key) ? CENSOR : walk(field);
        if (next !== field) {
          copy ??= { ...(value as Record<string, unknown>) };
          copy[key] = next;
        }
      }
      return copy ?? value;
    } finally {
      ancestors.pop();
    }
  };
  return <T>(value: T): T => {
    ancestors.length = 0;
    return walk(value) as T;
  };
}
