import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLogDestination, createLogger } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createLogDestination', () => {
  it('gathers lines and writes them within the flush interval', () => {
    // Fake timers drive the periodic flush: the lines must wait for it, and it must come.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const file = join(dir, 'interval.log');
      const logger = createLogger({ destination: createLogDestination({ file, flushIntervalMs: 50 }) });
      logger.info({ n: 1 }, 'first');
      logger.info({ n: 2 }, 'second');
      const written = () =>
        readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(written()).toEqual([]);
      vi.advanceTimersByTime(49);
      expect(written()).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(written()).toEqual(['first', 'second']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes what is buffered when the process exits at once', () => {
    const file = join(dir, 'exit.log');
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = `
      const { createLogger, createLogDestination } = await import(${JSON.stringify(entry)});
      const logger = createLogger({ destination: createLogDestination({ file: ${JSON.stringify(file)}, flushIntervalMs: 60000 }) });
      for (let i = 0; i < 3; i += 1) logger.info({ i }, 'before exit');
      process.exit(0);
    `;
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => (JSON.parse(line) as { msg: string }).msg === 'before exit')).toBe(true);
  });
});
