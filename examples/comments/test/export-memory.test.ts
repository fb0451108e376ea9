import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comments } from '../src/index.js';
import { generatedComment } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';
import { seedComments } from './seed.js';

const COUNT = 100_000;

// Samples RSS every 20 ms while `work` runs; returns the growth over the baseline, in MB.
async function rssGrowthMb<T>(work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growthMb: (peak - baseline) / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

describe.each(testDialects)('exporting 100,000 comments with bounded memory (%s)', (dialect) => {
  let database: TestDatabase;
  let harness: CommentsHarness;
  let folder: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = await startComments(database);
    folder = await mkdtemp(join(tmpdir(), 'comments-export-'));
    await seedComments(harness.app.use(comments), -3, 9, COUNT);
  }, 180_000);

  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const context = { signal: new AbortController().signal, progress: () => undefined };

  it('writes CSV under 100 MB of RSS growth, and it parses back', async () => {
    const path = join(folder, 'comments.csv');
    const { result, growthMb } = await rssGrowthMb(() => harness.app.use(comments).export(-3, 9, 'csv', path, context));
    console.log(
      `${dialect}: CSV export of ${result.rows} comments, ${(await stat(path)).size} bytes, RSS growth ${growthMb.toFixed(1)} MB`,
    );
    expect(result.rows).toBe(COUNT);
    expect(growthMb).toBeLessThan(100);
    let rows = 0;
    let header: string[] | undefined;
    for await (const record of createReadStream(path).pipe(parse({ bom: true, relax_column_count: false }))) {
      if (!header) {
        header = record as string[];
        continue;
      }
      const fields = record as string[];
      if (rows === 4242) {
        const expected = generatedComment(-3, 9, 4242);
        expect(fields).toEqual([
          String(expected.id),
          String(expected.from_id),
          new Date(expected.date * 1000).toISOString(),
          expected.text,
          String(expected.likes.count),
        ]);
      }
      rows++;
    }
    expect(header).toEqual(['id', 'from_id', 'date', 'text', 'likes']);
    expect(rows).toBe(COUNT);
  }, 180_000);

  it('writes XLSX through a streaming writer under 100 MB of RSS growth, and it opens', async () => {
    const path = join(folder, 'comments.xlsx');
    const { result, growthMb } = await rssGrowthMb(() =>
      harness.app.use(comments).export(-3, 9, 'xlsx', path, context),
    );
    console.log(
      `${dialect}: XLSX export of ${result.rows} comments, ${(await stat(path)).size} bytes, RSS growth ${growthMb.toFixed(1)} MB`,
    );
    expect(result.rows).toBe(COUNT);
    expect(growthMb).toBeLessThan(100);
    let rows = 0;
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      styles: 'cache',
      hyperlinks: 'ignore',
    });
    for await (const sheet of reader) {
      for await (const row of sheet) {
        if (row.number === 1) {
          expect(row.values).toEqual([undefined, 'id', 'from_id', 'date', 'text', 'likes']);
          continue;
        }
        if (row.number === 4244) {
          const expected = generatedComment(-3, 9, 4242);
          const values = row.values as unknown[];
          expect(values[1]).toBe(expected.id);
          expect(values[4]).toBe(expected.text);
          expect((values[3] as Date).toISOString()).toBe(new Date(expected.date * 1000).toISOString());
        }
        rows++;
      }
    }
    expect(rows).toBe(COUNT);
  }, 180_000);
});
