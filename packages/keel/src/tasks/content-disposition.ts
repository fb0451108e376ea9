import { createRequire } from 'node:module';

// content-disposition 1.x (Node 18+; 3.x needs Node 22) is CommonJS without types of its own.
const require = createRequire(import.meta.url);
const format = require('content-disposition') as (filename: string) => string;

/**
 * The `content-disposition` of a download (RFC 6266): `attachment`, an ASCII `filename` fallback and,
 * for other characters, `filename*` in UTF-8 (RFC 8187).
 */
export function attachmentDisposition(filename: string): string {
  return format(filename);
}
