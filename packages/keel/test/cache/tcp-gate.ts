import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP proxy to a port that a test can close (dropping every connection) and open again. */
export interface TcpGate {
  url: string;
  /** Drops every connection and refuses new ones. */
  close(): void;
  /** Lets connections through again. */
  open(): void;
  /** Stops the proxy for good. */
  stop(): Promise<void>;
}

/**
 * Starts a proxy in front of `targetPort` (on 127.0.0.1), so one cache can be cut off from a Redis
 * the others still reach: the test then decides when that cache gets Redis back.
 *
 * @example
 * ```ts
 * const gate = await startTcpGate(redis.port);
 * const cache = createCache({ redisUrl: gate.url });
 * gate.close(); // this cache alone loses Redis
 * ```
 */
export async function startTcpGate(targetPort: number): Promise<TcpGate> {
  let isOpen = true;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!isOpen) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    close() {
      isOpen = false;
      dropAll();
    },
    open() {
      isOpen = true;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}
