import { connect, type Socket } from 'node:net';

/** What one raw request ended with: a whole response, or how the connection failed. */
export type RawOutcome =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: string }
  | { kind: 'reset' | 'refused' | 'closed'; error?: string };

/** An HTTP/1.1 connection over a plain socket: the test decides exactly when each byte is written. */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: ((outcome: RawOutcome) => void) | undefined;
  private failure: RawOutcome | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.deliver();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const kind =
        error.code === 'ECONNREFUSED'
          ? 'refused'
          : error.code === 'ECONNRESET' || error.code === 'EPIPE'
            ? 'reset'
            : 'closed';
      this.fail({ kind, error: error.code ?? error.message });
    });
    socket.on('end', () => this.fail({ kind: 'closed', error: 'closed before a whole response' }));
    socket.on('close', () => this.fail({ kind: 'closed', error: 'closed before a whole response' }));
  }

  /** Opens a connection; resolves once the handshake is done (the server's kernel has it queued). */
  static open(url: string): Promise<RawConnection | RawOutcome> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve) => {
      const socket = connect({ host: hostname, port: Number(port) });
      const onError = (error: NodeJS.ErrnoException): void =>
        resolve({ kind: error.code === 'ECONNREFUSED' ? 'refused' : 'reset', error: error.code ?? error.message });
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new RawConnection(socket));
      });
    });
  }

  /** Writes one request; resolves once its bytes are handed to the kernel (on loopback: at the server). */
  send(request: string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(request, (error) => (error ? reject(error) : resolve())));
  }

  /** The next whole response on this connection, or how the connection failed first. */
  response(): Promise<RawOutcome> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.deliver();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(): void {
    if (!this.waiting) return;
    const parsed = parseResponse(this.buffer);
    if (parsed) {
      this.buffer = this.buffer.subarray(parsed.length);
      this.settle(parsed.outcome);
    } else if (this.failure) {
      this.settle(this.failure);
    }
  }

  private fail(outcome: RawOutcome): void {
    this.failure ??= outcome;
    this.deliver();
  }

  private settle(outcome: RawOutcome): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(outcome);
  }
}

/** A request's bytes. */
export function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

function parseResponse(buffer: Buffer): { outcome: RawOutcome; length: number } | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...headerLines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(' ')[1]);
  // Keel's answers have a Content-Length (or no body): chunked bodies are not needed here.
  const length = Number(headers['content-length'] ?? 0);
  if (buffer.length < end + 4 + length) return undefined;
  const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
  return { outcome: { kind: 'response', status, headers, body }, length: end + 4 + length };
}
