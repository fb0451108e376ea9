import type { Readable } from 'node:stream';

/** The body was larger than the client reads. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the response body is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a whole response body, refusing one past `limit` bytes (the stream is destroyed, so the
 * connection is not kept).
 */
export function readBody(body: Readable, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        body.destroy(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    body.once('error', reject);
  });
}

/** Drops a body unread (its connection is then closed or reused by undici). */
export function discardBody(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

/** The first 256 characters of a body, for errors. */
export function excerpt(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  const text = body.subarray(0, 1024).toString('utf8');
  return text.length > 256 ? `${text.slice(0, 256)}…` : text;
}
