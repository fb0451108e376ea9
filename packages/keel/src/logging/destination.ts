import { type DestinationStream, pino } from 'pino';

/**
 * Options of {@link createLogDestination}.
 *
 * @example
 * ```ts
 * const options: LogDestinationOptions = { file: '/var/log/planner.log', bufferBytes: 16_384, flushIntervalMs: 250 };
 * ```
 */
export interface LogDestinationOptions {
  /** File descriptor to write to. Default: stdout's. */
  fd?: number;
  /** File path to append to instead of `fd`. Default: none. */
  file?: string;
  /** Lines are gathered up to this many bytes, then written in one call. Default: 4096. */
  bufferBytes?: number;
  /** A partly filled buffer is written after at most this long. Default: 100 ms. */
  flushIntervalMs?: number;
}

type FlushableDestination = DestinationStream & { flushSync(): void };
const open = new Set<FlushableDestination>();
const byDescriptor = new Map<number, FlushableDestination>();
let exitHookInstalled = false;

/**
 * Where log lines go: synchronous writes from the main thread, gathered into few system calls.
 * Synchronous because pino's async mode writes through libuv's thread pool, where CPU-heavy work
 * (argon2, crypto) queues log lines behind it for seconds; buffered because one write call per line
 * cost a quarter of a trivial route's throughput. The buffer is written every `flushIntervalMs` and at
 * process exit (`process.exit` included); only a SIGKILL can lose its last lines.
 *
 * @example
 * ```ts
 * const logger = createLogger({ destination: createLogDestination({ file: '/var/log/planner.log' }) });
 * ```
 */
export function createLogDestination(options: LogDestinationOptions = {}): DestinationStream {
  const shareable =
    options.file === undefined && options.bufferBytes === undefined && options.flushIntervalMs === undefined;
  const fd = options.fd ?? process.stdout.fd ?? 1;
  // Loggers of one process share a descriptor's buffer, so their lines keep their order.
  const shared = shareable ? byDescriptor.get(fd) : undefined;
  if (shared) return shared;
  const destination = pino.destination({
    ...(options.file === undefined ? { fd } : { dest: options.file }),
    sync: true,
    minLength: options.bufferBytes ?? 4096,
    periodicFlush: options.flushIntervalMs ?? 100,
  }) as unknown as FlushableDestination;
  open.add(destination);
  if (shareable) byDescriptor.set(fd, destination);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const each of open) {
        try {
          each.flushSync();
        } catch {
          // A closed descriptor has nothing left to write.
        }
      }
    });
  }
  return destination;
}
