import { appConfigSchema } from 'keel';
import { accountSecrets, accountsConfigSchema } from 'keel/accounts';
import { intVar, type LoadConfigOptions, loadConfig } from 'keel/config';
import { z } from 'zod';

/** The comments service's configuration: Keel's variables, the accounts', and the VK client's and the tasks'. */
export const commentsConfigSchema = appConfigSchema.extend(accountsConfigSchema.shape).extend({
  /** Base URL of the VK API methods. Default: `https://api.vk.com/method`. */
  VK_API_URL: z
    .string()
    .default('https://api.vk.com/method')
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an http(s) URL'),
  /** The VK access token sent with every call (a service token suffices for public walls). Default: empty. */
  VK_TOKEN: z.string().default(''),
  /** The VK API version sent as `v`. Default: `5.199`. */
  VK_API_VERSION: z
    .string()
    .regex(/^\d+\.\d+$/, 'must be a version such as 5.199')
    .default('5.199'),
  /** Most requests VK sees from this process in any one-second window, retries included. Default: 3. */
  VK_RATE_PER_SECOND: intVar(3, 1, 100),
  /** Attempts of one VK request (errors 6, 10, HTTP 5xx) before the parse attempt fails and the task retries from its checkpoint. Default: 8. */
  VK_MAX_ATTEMPTS: intVar(8, 1, 20),
  /** Most parse, analyze and export tasks running at once in this process. Default: 10. */
  TASK_WORKERS: intVar(10, 1, 200),
  /** How long a task's result (and its file) is kept after the task ends. Default: 7 days. */
  TASK_RESULT_TTL_MS: intVar(7 * 24 * 3600_000, 1000),
  /** Longest a parse may run before it is cut. Default: 1 hour. */
  PARSE_TIMEOUT_MS: intVar(3600_000, 1000),
  /** Prefix of the cache's Redis keys and channels. Default: `comments`. */
  CACHE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
    .default('comments'),
});

/** The parsed configuration of the comments service. */
export type CommentsConfig = z.output<typeof commentsConfigSchema>;

/** Reads the service's configuration from the environment (and `.env`), every problem at once. */
export function loadCommentsConfig(options: LoadConfigOptions = {}): CommentsConfig {
  return loadConfig(commentsConfigSchema, { ...options, secrets: { ...accountSecrets } });
}
