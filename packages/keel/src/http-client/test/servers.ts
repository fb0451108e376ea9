import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

/** What a scripted server saw. */
export interface ServerLog {
  /** Requests that reached the handler. */
  requests: number;
  /** Connections opened so far. */
  opened: number;
  /** Connections open now. */
  open: number;
  /** Most connections open at once. */
  maxOpen: number;
  /** Connections the client closed (or that closed otherwise). */
  closed: number;
  /** Of those, connections that had carried a request. */
  closedAfterRequest: number;
  /** When each request arrived (performance.now()). */
  arrivals: number[];
  /** Bodies of the requests, as text. */
  bodies: string[];
  /** Headers of the requests. */
  headers: IncomingMessage['headers'][];
  /** Paths (with query) of the requests. */
  urls: string[];
}

/** A loopback HTTP server whose answers a test scripts: request number `n` (from 1) gets `handler`'s. */
export interface ScriptedServer<S extends NetServer = NetServer> {
  /** The server itself (a node:http one's timeouts may be changed). */
  server: S;
  url: string;
  origin: string;
  log: ServerLog;
  /** Sockets open now (for destroying them from a handler). */
  sockets: Set<Socket>;
  /** Resolves once every connection is closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void | Promise<void>;

function newLog(): ServerLog {
  return {
    requests: 0,
    opened: 0,
    open: 0,
    maxOpen: 0,
    closed: 0,
    closedAfterRequest: 0,
    arrivals: [],
    bodies: [],
    headers: [],
    urls: [],
  };
}

const carried = new WeakSet<Socket>();

function track(log: ServerLog, sockets: Set<Socket>, socket: Socket, onClose: () => void): void {
  log.opened += 1;
  log.open += 1;
  log.maxOpen = Math.max(log.maxOpen, log.open);
  sockets.add(socket);
  socket.on('close', () => {
    log.open -= 1;
    log.closed += 1;
    if (carried.has(socket)) log.closedAfterRequest += 1;
    sockets.delete(socket);
    onClose();
  });
}

/** Starts a node:http server on 127.0.0.1 answering with `handler`. */
export async function startServer(handler: Handler): Promise<ScriptedServer<Server>> {
  const log = newLog();
  const sockets = new Set<Socket>();
  let waiters: (() => void)[] = [];
  const server = createServer({ keepAliveTimeout: 60_000 }, async (req, res) => {
    log.requests += 1;
    carried.add(req.socket);
    const n = log.requests;
    log.arrivals.push(performance.now());
    log.headers.push(req.headers);
    log.urls.push(req.url ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    log.bodies.push(body);
    await handler(req, res, n, body);
  });
  server.on('connection', (socket) =>
    track(log, sockets, socket, () => {
      if (log.open === 0) for (const resolve of waiters.splice(0)) resolve();
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const origin = `http://127.0.0.1:${port}`;
  return {
    server,
    url: `${origin}/`,
    origin,
    log,
    sockets,
    allClosed: () => (log.open === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    close: async () => {
      waiters = [];
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw TCP server: `onData` sees each chunk a connection sends, with the connection's request count. */
export async function startRawServer(
  onRequest: (socket: Socket, n: number, onSocket: number) => void,
): Promise<ScriptedServer> {
  const log = newLog();
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    track(log, sockets, socket, () => {});
    let onSocket = 0;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      // One request per header block: the tests send no bodies here.
      while (buffered.includes('\r\n\r\n')) {
        const end = buffered.indexOf('\r\n\r\n') + 4;
        buffered = buffered.slice(end);
        log.requests += 1;
        carried.add(socket);
        onSocket += 1;
        log.arrivals.push(performance.now());
        onRequest(socket, log.requests, onSocket);
      }
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const origin = `http://127.0.0.1:${port}`;
  return {
    server,
    url: `${origin}/`,
    origin,
    log,
    sockets,
    allClosed: async () => {},
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends `text` as a JSON 200 on a raw socket, keeping it alive. */
export function rawJson(socket: Socket, text: string): void {
  socket.write(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: keep-alive\r\n\r\n${text}`,
  );
}

/** Answers JSON. */
export function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
