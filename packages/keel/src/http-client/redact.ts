/** What replaces a secret header or query value in a log line. */
const CENSOR = '[redacted]';

// A name holding any of these, in any case and without `-` or `_`, is a credential: `x-api-key`,
// `access_token`, `X-Amz-Signature`, `client_secret`, `sig`, `proxy-authorization`, `cookie`.
const SECRET_PARTS = /token|key|sig|secret|passw|auth|cookie|session|credential|jwt/;

function isSecret(name: string): boolean {
  return SECRET_PARTS.test(name.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * The headers with credentials replaced, for a log line. Only called when the line is logged.
 */
export function redactHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const name in headers) copy[name] = isSecret(name) ? CENSOR : headers[name];
  return copy;
}

/**
 * The path and query with credential query values replaced (`?api_key=[redacted]&page=2`), for a
 * log line. Only called when the line is logged.
 */
export function redactPath(path: string): string {
  const mark = path.indexOf('?');
  if (mark === -1) return path;
  const params = new URLSearchParams(path.slice(mark + 1));
  const kept: string[] = [];
  for (const [name, value] of params) {
    kept.push(`${encodeURIComponent(name)}=${isSecret(name) ? CENSOR : encodeURIComponent(value)}`);
  }
  return `${path.slice(0, mark)}?${kept.join('&')}`;
}

/** The path without its query, for error messages (a query may hold credentials). */
export function pathOnly(path: string): string {
  const mark = path.indexOf('?');
  return mark === -1 ? path : path.slice(0, mark);
}
