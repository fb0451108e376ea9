import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** The shape of a task id (and of a listing's cursor): 10 time characters then 16 random ones. */
const TASK_ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{26}$/;
let lastTime = '';
let lastRandom: number[] = [];

/**
 * A new task id: ULID-like in lowercase Crockford base32, time-ordered (newest sorts last) with 80
 * random bits, so ids are safe to show and cannot be guessed. Strictly increasing within the process.
 */
export function newTaskId(now = Date.now()): string {
  let time = '';
  for (let ms = now, i = 0; i < 10; i += 1, ms = Math.floor(ms / 32)) time = ALPHABET[ms % 32] + time;
  let random: number[];
  if (time <= lastTime) {
    // Same millisecond (or a clock step back): increment the last random part to stay ordered.
    time = lastTime;
    random = [...lastRandom];
    let i = random.length - 1;
    while (i >= 0 && random[i] === 31) random[i--] = 0;
    if (i >= 0) random[i]! += 1;
  } else {
    random = [...randomBytes(16)].map((byte) => byte & 31);
  }
  lastTime = time;
  lastRandom = random;
  return time + random.map((n) => ALPHABET[n]).join('');
}

/** True when `value` is shaped like a task id (anything else names no task). */
export function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID_PATTERN.test(value);
}
