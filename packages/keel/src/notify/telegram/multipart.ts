import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A file part of a multipart/form-data body. */
export interface FilePart {
  field: string;
  filename: string;
  contentType: string;
  content: Uint8Array | Readable;
}

const quote = (value: string): string => value.replace(/["\r\n\\]/g, '_');

/**
 * A multipart/form-data body (RFC 7578) of text fields and one file: bytes when the file is bytes
 * (replayable), a stream when it is a stream (sent once).
 */
export function multipartBody(
  fields: Record<string, string>,
  file: FilePart,
): { contentType: string; body: Buffer | Readable } {
  const boundary = `----keel-notify-${randomBytes(12).toString('hex')}`;
  const head = Object.entries(fields)
    .map(
      ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`,
    )
    .join('');
  const fileHead =
    `--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.filename)}"\r\n` +
    `Content-Type: ${file.contentType}\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const contentType = `multipart/form-data; boundary=${boundary}`;
  if (file.content instanceof Readable) {
    const content = file.content;
    async function* parts() {
      yield Buffer.from(head + fileHead);
      for await (const chunk of content) yield chunk as Buffer;
      yield Buffer.from(tail);
    }
    return { contentType, body: Readable.from(parts()) };
  }
  return {
    contentType,
    body: Buffer.concat([Buffer.from(head + fileHead), Buffer.from(file.content), Buffer.from(tail)]),
  };
}
