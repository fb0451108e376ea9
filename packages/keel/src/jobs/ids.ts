import { randomBytes } from 'node:crypto';

// UUIDv7: time-ordered, so ids sort in creation order (FIFO tie-break, keyset pagination).
/** The shape of a job id (and of a listing's cursor). */
export const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let lastMs = 0;
let sequence = 0;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** A new UUIDv7 job id, strictly increasing within this process. */
export function newJobId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    sequence += 1;
    // 12 bits of sequence per millisecond; past that, borrow the next millisecond.
    if (sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
    ms = lastMs;
  } else {
    lastMs = ms;
    sequence = 0;
  }
  if (poolOffset + 8 > pool.length) {
    pool = randomBytes(8 * 512);
    poolOffset = 0;
  }
  const random = pool.subarray(poolOffset, poolOffset + 8);
  poolOffset += 8;
  const time = ms.toString(16).padStart(12, '0');
  const seq = (0x7000 | sequence).toString(16);
  const variant = ((random[0]! & 0x3f) | 0x80).toString(16).padStart(2, '0');
  const rest = random.subarray(1).toString('hex');
  return `${time.slice(0, 8)}-${time.slice(8)}-${seq}-${variant}${rest.slice(0, 2)}-${rest.slice(2, 14)}`;
}

/**
 * True when `value` is shaped like a job id (anything else cannot name a job).
 *
 * @example
 * ```ts
 * if (!isJobId(request.params.id)) throw new NotFoundError('There is no such job');
 * ```
 */
export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID_PATTERN.test(value);
}
