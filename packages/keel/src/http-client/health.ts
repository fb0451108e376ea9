import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';
import type { HttpClient } from './http-client.js';
import type { HttpHealthCheckOptions } from './types.js';

const schema = z.object({
  name: option.name().optional(),
  path: z.string().min(1).default('/'),
  critical: z.boolean().default(false),
  timeoutMs: option.positiveDurationMs().default(2000),
});

/** A readiness check that GETs `path` once (through the breaker) and passes below 500. */
export function healthCheckOf(client: HttpClient, options: HttpHealthCheckOptions): HealthCheck {
  const { name, path, critical, timeoutMs } = checkOptions('httpClient.healthCheck', schema, options);
  return {
    name: name ?? client.name,
    critical,
    timeoutMs,
    check: async (signal) => {
      const response = await client.request({ path, signal, timeoutMs, retry: false, throwOnStatus: false });
      if (response.status >= 500) throw new Error(`${path} answered ${response.status}`);
      return { status: response.status };
    },
  };
}
