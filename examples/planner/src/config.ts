import { baseConfigSchema, intVar, listVar, loadConfig, type LoadConfigOptions, type SecretRule } from 'keel/config';
import { z } from 'zod';

/** The value shipped in `.env.example`; refused in production. */
export const EXAMPLE_JWT_SECRET = 'change-me-to-a-long-random-secret-of-32-bytes-or-more';

/** The planner's configuration: Keel's base variables plus its own. */
export const plannerConfigSchema = baseConfigSchema.extend({
  /** HS256 key for access tokens; a development default exists only outside production. */
  JWT_SECRET: z.string().min(1),
  /** Access token lifetime. Default: 3600 s. */
  JWT_TTL_SECONDS: intVar(3600, 60, 7 * 24 * 3600),
  /** Users whose email is listed are admins. Default: none. */
  ADMIN_EMAILS: listVar([]).transform((emails) => emails.map((email) => email.toLowerCase())),
  /** Register and login attempts per minute per client IP. Default: 10. */
  RATE_LIMIT_AUTH_PER_MINUTE: intVar(10, 1),
});

/** The parsed planner configuration. */
export type PlannerConfig = z.output<typeof plannerConfigSchema>;

const secrets: Record<string, SecretRule> = {
  JWT_SECRET: { example: EXAMPLE_JWT_SECRET, developmentDefault: 'planner-development-secret-not-for-production', minBytes: 32 },
};

/** Reads the planner's configuration from the environment (and `.env`), every problem at once. */
export function loadPlannerConfig(options: LoadConfigOptions = {}): PlannerConfig {
  return loadConfig(plannerConfigSchema, { ...options, secrets });
}
