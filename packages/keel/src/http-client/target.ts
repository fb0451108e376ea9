import type { ResolvedHttpClientOptions } from './options.js';
import type { HttpRequest, QueryValue } from './types.js';

/** A base URL's origin and path prefix (`/v1` for `https://api.example/v1/`, `''` for `/`). */
export function baseOf(baseUrl: string): { origin: string; path: string } {
  const url = new URL(baseUrl);
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return { origin: url.origin, path };
}

/** `path` with `query` appended (`undefined` values left out, arrays repeated). */
export function appendQuery(path: string, query: Record<string, QueryValue>): string {
  let joined = '';
  for (const name in query) {
    const value = query[name];
    if (value === undefined) continue;
    const key = encodeURIComponent(name);
    if (Array.isArray(value)) {
      for (const item of value as readonly (string | number | boolean)[]) {
        joined += `${joined ? '&' : ''}${key}=${encodeURIComponent(String(item))}`;
      }
    } else joined += `${joined ? '&' : ''}${key}=${encodeURIComponent(String(value))}`;
  }
  if (joined === '') return path;
  return `${path}${path.includes('?') ? '&' : '?'}${joined}`;
}

/** The client's headers, names in lower case, with its static credentials: built once per client. */
export function defaultHeaders(options: ResolvedHttpClientOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
  const auth = options.auth;
  if (auth === undefined) return headers;
  if ('basic' in auth) {
    const { username, password } = auth.basic;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  } else if ('header' in auth) headers[auth.header.toLowerCase()] = auth.value;
  else if (typeof auth.bearer === 'string') headers.authorization = `Bearer ${auth.bearer}`;
  return headers;
}

/**
 * A request's headers: the client's own object when the request adds none (most calls: no copy),
 * else a copy with the request's headers, its idempotency key and a JSON content type.
 */
export function requestHeaders(
  defaults: Record<string, string>,
  request: HttpRequest,
  json: boolean,
): Record<string, string> {
  const own = request.headers;
  const key = request.idempotencyKey;
  if (own === undefined && key === undefined && !json) return defaults;
  const headers = { ...defaults };
  if (json) headers['content-type'] = 'application/json';
  if (own !== undefined) for (const name in own) headers[name.toLowerCase()] = own[name]!;
  if (key !== undefined) headers['idempotency-key'] = key;
  return headers;
}
