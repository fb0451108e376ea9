import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

// Errors of sockets that had already carried a response: the keep-alive race (the server closed
// an idle connection as a request went out on it), safe to send once more when replayable.
const reusedSocketErrors = new WeakSet<object>();

/**
 * undici's connector, marking the errors of sockets that had already read a response. With
 * pipelining off, bytes read before a request was written belong to earlier responses.
 */
export function markingConnector(timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs });
  return (options, callback) => {
    connect(options, (error, socket) => {
      if (error === null && socket !== null) {
        // Before undici's own listener, which hands the error to the request.
        socket.prependListener('error', (socketError: unknown) => {
          if (socket.bytesRead > 0 && typeof socketError === 'object' && socketError !== null) {
            reusedSocketErrors.add(socketError);
          }
        });
        callback(null, socket);
      } else callback(error ?? new Error('connect failed'), null);
    });
  };
}

/**
 * Whether `error` is a reset or close of a kept-alive socket that had served a response before:
 * an `ECONNRESET`/`EPIPE` marked by {@link markingConnector}, or undici's `other side closed`,
 * whose socket details tell how much it had read.
 */
export function isReusedSocketReset(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, socket } = error as { code?: string; socket?: Partial<Socket> };
  if (code === 'ECONNRESET' || code === 'EPIPE') return reusedSocketErrors.has(error);
  return code === 'UND_ERR_SOCKET' && (socket?.bytesRead ?? 0) > 0;
}
