import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogDestination, createLogger } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createLogDestination', () => {
  it('gathers lines and writes them within the flush interval', async () => {
    const file = join(dir, 'interval.log');
    const logger = createLogger({ destination: createLogDestination({ file, flushIntervalMs: 50 }) });
    logger.info({ n: 1 }, 'first');
    logger.info({ n: 2 }, 'second');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toEqual(['first', 'second']);
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
