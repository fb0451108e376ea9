import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import type { StopContext } from '../../service/index.js';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../index.js';
import { type Handler, type ScriptedServer, startServer } from './servers.js';

const open: { close(): Promise<void> }[] = [];

// Every client and server a test makes is closed after it, whatever it asserted.
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close().catch(() => {});
});

/** A scripted server, closed after the test. */
export async function server(handler: Handler): Promise<ScriptedServer<Server>> {
  const started = await startServer(handler);
  open.push(started);
  return started;
}

/** Closes `thing` after the test. */
export function closeAfter<T extends { close(): Promise<void> }>(thing: T): T {
  open.push(thing);
  return thing;
}

/** A client (no breaker unless asked, fast retries), closed after the test. */
export function client(options: HttpClientOptions): HttpClient {
  return closeAfter(createHttpClient({ circuitBreaker: false, ...options }));
}

/** A StopContext whose grace period ends after `graceMs`. */
export function stopContext(graceMs: number): StopContext & { abandoned: string[] } {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), graceMs).unref();
  const abandoned: string[] = [];
  return {
    logger: pino({ level: 'silent' }),
    signal: controller.signal,
    deadline: Date.now() + graceMs,
    reportAbandoned: (what) => abandoned.push(what),
    abandoned,
  };
}

/** Whether a promise rejects, with what. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
