import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { checkSecrets, type SecretRule } from './secrets.js';

/**
 * Options of {@link loadConfig}.
 *
 * @example
 * ```ts
 * const options: LoadConfigOptions = { env: { PORT: '0' }, envFile: false };
 * ```
 */
export interface LoadConfigOptions {
  /** The environment to read. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * A `.env` file whose values fill in variables the environment does not set.
   * Default: `.env` in the working directory when it exists; `false` reads none.
   */
  envFile?: string | false;
  /** Secret variables checked harder in production (see {@link SecretRule}). Default: none. */
  secrets?: Record<string, SecretRule>;
}

/**
 * Parses the environment with a zod schema. Every problem is collected into one {@link ConfigError}
 * (never just the first), so a bad deployment is fixed in one round.
 *
 * @example
 * ```ts
 * const config = loadConfig(baseConfigSchema.extend({ JWT_SECRET: z.string() }), {
 *   secrets: { JWT_SECRET: { example: 'change-me', developmentDefault: 'dev-only-secret' } },
 * });
 * ```
 */
export function loadConfig<S extends z.ZodType>(schema: S, options: LoadConfigOptions = {}): z.output<S> {
  const raw = { ...readEnvFile(options.envFile), ...(options.env ?? process.env) };
  const secrets = checkSecrets(raw, options.secrets ?? {});
  const result = schema.safeParse(secrets.env);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(environment)'}: ${issue.message}`);
  const secretNames = new Set(Object.keys(options.secrets ?? {}));
  // A secret's own problem says more than the schema's generic one for the same variable.
  const all = [
    ...problems.filter(
      (p) => !secrets.problems.some((s) => secretNames.has(p.split(':')[0]!) && s.startsWith(`${p.split(':')[0]}:`)),
    ),
    ...secrets.problems,
  ];
  if (all.length > 0 || !result.success) throw new ConfigError(all);
  return result.data;
}

function readEnvFile(envFile: string | false | undefined): Record<string, string> {
  if (envFile === false) return {};
  const path = envFile ?? '.env';
  if (!existsSync(path)) {
    if (envFile !== undefined) throw new ConfigError([`${path}: the env file does not exist`]);
    return {};
  }
  return parseDotenv(readFileSync(path));
}
