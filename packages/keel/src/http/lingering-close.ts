import type { Socket } from 'node:net';

const lingering = new WeakSet<Socket>();
// How long a closing connection keeps reading what its client still sends, so that it ends with FIN, not RST.
const LINGER_MS = 2000;

/**
 * Closes a connection without resetting it: sends FIN, then keeps reading (and discarding) until the
 * client closes its side or `lingerMs` (default 2000) passes. Destroying a socket with unread bytes
 * makes the kernel send RST, which can wipe a response the client has not read yet (RFC 9112 §9.6).
 */
export function closeLingering(socket: Socket, lingerMs = LINGER_MS): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.end();
}

/** True once {@link closeLingering} has begun closing this socket: bytes it still receives are discarded. */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}
