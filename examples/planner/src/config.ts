import { appConfigSchema } from 'keel';
import { accountSecrets, accountsConfigSchema } from 'keel/accounts';
import { intVar, type LoadConfigOptions, loadConfig } from 'keel/config';
import { z } from 'zod';

/** The value shipped in `.env.example`; refused in production. */
export { EXAMPLE_JWT_SECRET } from 'keel/accounts';

/** The planner's configuration: Keel's variables plus its own. */
export const plannerConfigSchema = appConfigSchema.extend(accountsConfigSchema.shape).extend({
  /** Prefix of the cache's Redis keys and channels; instances sharing data share it. Default: `planner`. */
  CACHE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
    .default('planner'),
  /** Participants are reminded this long before an event starts. Default: 15. */
  REMINDER_MINUTES: intVar(15, 1, 10_080),
  /** Read notifications older than this are deleted daily. Default: 30. */
  NOTIFICATION_RETENTION_DAYS: intVar(30, 1, 3650),
  /** IANA time zone of the nightly backup (03:00) and cleanup (04:00). Default: `UTC`. */
  TZ: z
    .string()
    .default('UTC')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone, e.g. Europe/Berlin'),
});

/** The parsed planner configuration. */
export type PlannerConfig = z.output<typeof plannerConfigSchema>;

/** Reads the planner's configuration from the environment (and `.env`), every problem at once. */
export function loadPlannerConfig(options: LoadConfigOptions = {}): PlannerConfig {
  return loadConfig(plannerConfigSchema, { ...options, secrets: accountSecrets });
}
