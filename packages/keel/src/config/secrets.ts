/**
 * How {@link loadConfig} checks one secret variable. In production the variable is required, must
 * hold at least `minBytes` bytes and must not be the `example` value; elsewhere an unset variable
 * takes `developmentDefault` (and is required when there is none).
 *
 * @example
 * ```ts
 * const secrets: Record<string, SecretRule> = {
 *   JWT_SECRET: { example: 'change-me', developmentDefault: 'dev-only-secret', minBytes: 32 },
 * };
 * loadConfig(schema, { secrets });
 * ```
 */
export interface SecretRule {
  /** The value shipped in `.env.example`; refused in production. Default: none. */
  example?: string;
  /** Used outside production when the variable is unset. Default: none (then it is required). */
  developmentDefault?: string;
  /** The least number of bytes in production. Default: 32. */
  minBytes?: number;
}

/** Returns the problems of the secrets in `env`, and `env` with development defaults filled in. Internal. */
export function checkSecrets(
  env: Record<string, string | undefined>,
  rules: Record<string, SecretRule>,
): { problems: string[]; env: Record<string, string | undefined> } {
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  const filled = { ...env };
  for (const [name, rule] of Object.entries(rules)) {
    const value = env[name];
    if (value === undefined || value === '') {
      if (production || rule.developmentDefault === undefined) problems.push(`${name}: is required`);
      else filled[name] = rule.developmentDefault;
      continue;
    }
    if (!production) continue;
    const minBytes = rule.minBytes ?? 32;
    if (Buffer.byteLength(value) < minBytes) {
      problems.push(`${name}: must be at least ${minBytes} bytes in production`);
    }
    if (rule.example !== undefined && value === rule.example) {
      problems.push(`${name}: must not be the example value in production`);
    }
  }
  return { problems, env: filled };
}
