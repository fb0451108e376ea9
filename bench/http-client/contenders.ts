// The four clients, tuned alike: keep-alive, at most CONNECTIONS sockets to the origin, the same
// request (a GET asking for JSON: got and axios send their own Accept), the body parsed as JSON and
// checked with the same zod schema (the work a caller does with any of them).
import { Agent } from 'node:http';
import axios from 'axios';
import got from 'got';
import { createHttpClient } from 'keel/http-client';
import { MetricsRegistry } from 'keel/metrics';
import { Pool } from 'undici';
import { z } from 'zod';

export const User = z.object({
  id: z.number(),
  name: z.string(),
  email: z.string(),
  tags: z.array(z.string()),
  active: z.boolean(),
});

export interface Contender {
  name: string;
  get(): Promise<unknown>;
  close(): Promise<void>;
}

export function contenders(origin: string, connections: number): Contender[] {
  const path = '/users/42';
  // Keel as a service would run it: default retry and breaker policies, metrics on.
  const keel = createHttpClient({
    name: 'bench',
    baseUrl: origin,
    connections,
    metrics: new MetricsRegistry({ defaultMetrics: false }),
  });
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const accept = { accept: 'application/json' };
  const gotAgent = new Agent({ keepAlive: true, maxSockets: connections });
  const gotClient = got.extend({ prefixUrl: origin, agent: { http: gotAgent }, responseType: 'json' });
  const axiosAgent = new Agent({ keepAlive: true, maxSockets: connections });
  const axiosClient = axios.create({ baseURL: origin, httpAgent: axiosAgent });
  return [
    { name: 'keel', get: () => keel.getJson(path, User), close: () => keel.close() },
    {
      name: 'undici',
      get: async () => {
        const { body } = await pool.request({ path, method: 'GET', headers: accept });
        return User.parse(await body.json());
      },
      close: () => pool.close(),
    },
    {
      name: 'got',
      get: async () => User.parse((await gotClient.get(path.slice(1))).body),
      close: async () => gotAgent.destroy(),
    },
    {
      name: 'axios',
      get: async () => User.parse((await axiosClient.get(path)).data),
      close: async () => axiosAgent.destroy(),
    },
  ];
}
