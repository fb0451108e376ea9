import { type Dispatcher, request } from 'undici';

/** One answer of the planner's API, its JSON body parsed. */
export interface ApiAnswer {
  status: number;
  /** First value of each response header. */
  header(name: string): string | undefined;
  body: any;
}

/** A call of the planner's API through `agent` (undici, real sockets), with an optional token and JSON body. */
export type ApiCall = (
  base: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  token?: string,
  body?: unknown,
) => Promise<ApiAnswer>;

/** Calls of the planner's API over `agent`. */
export function apiClient(agent: Dispatcher): ApiCall {
  return async (base, method, path, token, body) => {
    const response = await request(`${base}${path}`, {
      method,
      dispatcher: agent,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.body.text();
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    return {
      status: response.statusCode,
      header,
      body: text && /json/.test(header('content-type') ?? '') ? JSON.parse(text) : text || undefined,
    };
  };
}
