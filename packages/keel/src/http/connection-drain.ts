import { type IncomingMessage, Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeLingering, isLingering } from './lingering-close.js';

/** The Fastify options a server built by {@link ConnectionDrain.createServer} copies. */
export interface ServerTimeouts {
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
}

interface Connection {
  /** Accepted after the drain's first sweep: a client that connected after the signal. */
  late: boolean;
  /** Requests parsed and not yet answered. */
  active: number;
  /** `bytesRead` when the connection last went idle: more means a request is arriving. */
  idleBytes: number;
  /** When it was accepted, in `Date.now()` milliseconds. */
  acceptedAt: number;
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

// How long the drain waits for the first bytes of a connection that has sent none yet.
const FIRST_BYTES_MS = 1000;
// Node's default listen backlog: the most connections the kernel can have queued for accept.
const LISTEN_BACKLOG = 511;

/**
 * Tracks every connection and request of the HTTP servers it builds, so a shutdown can finish what
 * reached the server before it began and close the rest without a reset:
 * - connections accepted before the drain's first sweep (every connection whose bytes were already
 *   in the kernel) keep being served; each response from then on says `Connection: close`;
 * - requests on connections accepted later are refused (see {@link isRefused});
 * - a connection is closed only while it carries no request bytes, and every close lingers.
 */
export class ConnectionDrain {
  private readonly servers = new Set<DrainingServer>();
  private readonly connections = new Map<Socket, Connection>();
  private readonly active = new Map<IncomingMessage, ServerResponse>();
  private draining = false;
  private acceptedCount = 0;
  private swept = false;
  private settled: (() => void) | undefined;

  /** Builds a server for Fastify's `serverFactory`; every server Fastify asks for is tracked. */
  createServer(handler: RequestHandler, timeouts: ServerTimeouts): Server {
    const server = new DrainingServer(this, (request, response) => this.onRequest(request, response, handler));
    if (timeouts.keepAliveTimeout !== undefined) server.keepAliveTimeout = timeouts.keepAliveTimeout;
    if (timeouts.requestTimeout !== undefined) server.requestTimeout = timeouts.requestTimeout;
    if (timeouts.connectionTimeout !== undefined) server.setTimeout(timeouts.connectionTimeout);
    server.on('connection', (socket: Socket) => this.onConnection(socket));
    this.servers.add(server);
    return server;
  }

  /** True for a request that arrived, during the drain, on a connection opened after it began. */
  isRefused(request: IncomingMessage): boolean {
    return this.draining && this.connections.get(request.socket)?.late === true;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Requests still unanswered, for the shutdown log. */
  unanswered(): IncomingMessage[] {
    return [...this.active.keys()];
  }

  /**
   * Stops keeping connections alive, waits until no connection carries a request (or `signal`
   * aborts), stops listening at a moment the kernel's accept queue is empty, answers what was
   * accepted until then, and closes the idle connections.
   */
  async drain(signal: AbortSignal, log: (message: string) => void): Promise<void> {
    this.draining = true;
    for (const response of this.active.values()) if (!response.headersSent) response.shouldKeepAlive = false;
    await this.acceptQueued(signal);
    this.swept = true;
    log('waiting for requests in flight; new connections are refused');
    await this.quiet(signal);
    // Right after a turn that accepted nothing on an idle loop: the narrowest window for a client
    // to complete a handshake that closing the listener would then reset.
    await this.acceptQueued(signal);
    for (const server of this.servers) server.stopListening();
    log('stopped listening');
    await this.quiet(signal);
    this.closeIdle();
  }

  // Waits until no connection carries a request, twice in a row across a poll for I/O.
  private async quiet(signal: AbortSignal): Promise<void> {
    const wake = (): void => this.settled?.();
    signal.addEventListener('abort', wake, { once: true });
    try {
      while (!signal.aborted) {
        if (this.busy()) {
          // Woken by a request's end, a connection's close or the abort; the tick ends waits for a first byte.
          await new Promise<void>((resolve) => {
            const tick = setTimeout(resolve, 50);
            this.settled = () => {
              clearTimeout(tick);
              resolve();
            };
          });
          this.settled = undefined;
          continue;
        }
        await turn();
        await turn();
        if (!this.busy()) return;
      }
    } finally {
      signal.removeEventListener('abort', wake);
    }
  }

  // libuv accepts one queued connection per loop turn, so a turn that accepts none means the kernel's
  // queue is empty; past a backlog's worth, every connection queued when the drain began is in.
  private async acceptQueued(signal: AbortSignal): Promise<void> {
    await turn();
    let sweptIn = 0;
    while (!signal.aborted && sweptIn < LISTEN_BACKLOG) {
      const before = this.acceptedCount;
      await turn();
      const accepted = this.acceptedCount - before;
      if (accepted === 0) return;
      sweptIn += accepted;
    }
  }

  /** Closes, without a reset, every connection that carries no request. */
  closeIdle(): void {
    for (const [socket, connection] of this.connections) {
      if (connection.active === 0 && socket.bytesRead === connection.idleBytes) closeLingering(socket);
    }
  }

  /** Destroys every connection at once (the grace period is over). */
  destroyAll(): void {
    for (const socket of this.connections.keys()) socket.destroy();
  }

  private busy(): boolean {
    const now = Date.now();
    for (const [socket, connection] of this.connections) {
      if (isLingering(socket)) continue;
      // A client that just connected has its request on the way: closing now would discard it.
      if (socket.bytesRead === 0 && now - connection.acceptedAt < FIRST_BYTES_MS) return true;
      if (connection.late) continue;
      if (connection.active > 0 || socket.bytesRead !== connection.idleBytes) return true;
    }
    // Late connections still being answered their 503 keep the listener open until they are.
    for (const request of this.active.keys()) if (this.connections.get(request.socket)?.late) return true;
    return false;
  }

  private onConnection(socket: Socket): void {
    const connection: Connection = { late: this.swept, active: 0, idleBytes: 0, acceptedAt: Date.now() };
    this.acceptedCount += 1;
    this.connections.set(socket, connection);
    // Node destroys a socket right after a `Connection: close` response, resetting unread bytes; linger instead.
    socket.destroySoon = () => closeLingering(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      this.settle();
    });
  }

  private onRequest(request: IncomingMessage, response: ServerResponse, handler: RequestHandler): void {
    const connection = this.connections.get(request.socket);
    // A request that reaches a closing connection was sent after the close: it is never started.
    if (!connection || isLingering(request.socket)) {
      request.resume();
      return;
    }
    connection.active += 1;
    this.active.set(request, response);
    if (this.draining) response.shouldKeepAlive = false;
    // Done once answered and its body read to the end (Node reads an unread body after the answer).
    let open = 2;
    const done = (): void => {
      open -= 1;
      if (open > 0) return;
      connection.active -= 1;
      if (connection.active === 0) connection.idleBytes = request.socket.bytesRead;
      this.active.delete(request);
      this.settle();
    };
    // Each emits 'close' once: plain listeners spare the once() wrapper and its removal per request.
    response.on('close', done);
    request.on('close', done);
    handler(request, response);
  }

  private settle(): void {
    if (this.settled && !this.busy()) this.settled();
  }
}

class DrainingServer extends Server {
  private readonly drainer: ConnectionDrain;
  private accepting = true;
  private drainClosesIdle = false;
  private closed = false;

  constructor(drainer: ConnectionDrain, handler: RequestHandler) {
    super(handler);
    this.drainer = drainer;
    this.once('close', () => {
      this.closed = true;
    });
  }

  /** Closes the listening socket now; connections stay until they end, and the drain closes the idle ones. */
  stopListening(): void {
    if (!this.accepting) return;
    this.accepting = false;
    this.drainClosesIdle = true;
    if (this.address() !== null) super.close();
  }

  // Fastify closes the server after the drain already stopped it listening: answer once all connections end.
  override close(callback?: (error?: Error) => void): this {
    if (this.accepting) {
      this.accepting = false;
      return super.close(callback);
    }
    if (callback) {
      if (this.closed) process.nextTick(callback);
      else this.once('close', () => callback());
    }
    return this;
  }

  // Node's server.close() destroys idle connections, which resets requests still unread in their sockets.
  override closeIdleConnections(): void {
    // A connection accepted in the last turn may still have its request unread: the drain waits a poll first.
    if (!this.drainClosesIdle) this.drainer.closeIdle();
  }
}

// From a check-phase callback, the next immediate runs after exactly one more poll for I/O.
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
