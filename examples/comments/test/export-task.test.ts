import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comments } from '../src/index.js';
import { generatedComment } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';
import { seedComments } from './seed.js';
import { userToken, waitForTask } from './users.js';

const COUNT = 100_000;

describe.each(testDialects)('export tasks (%s)', (dialect) => {
  let database: TestDatabase;
  let harness: CommentsHarness;
  let token: string;
  let folder: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = await startComments(database, { TASK_RESULT_TTL_MS: '3000' });
    token = await userToken(harness);
    folder = await mkdtemp(join(tmpdir(), 'comments-download-'));
    await seedComments(harness.app.use(comments), -3, 9, COUNT);
  }, 180_000);

  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  // Runs an export task, sampling RSS every 20 ms until it ends; then downloads it over a real socket.
  async function exportAndDownload(format: 'csv' | 'xlsx') {
    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const created = await harness.call('POST', '/api/v1/tasks/export', {
      token,
      body: { ownerId: -3, postId: 9, format },
    });
    expect(created.status).toBe(202);
    const task = await waitForTask(harness, token, created.body.id);
    clearInterval(timer);
    const growthMb = (Math.max(peak, process.memoryUsage().rss) - baseline) / 1024 / 1024;
    expect(task.state).toBe('succeeded');
    expect(task.progress).toMatchObject({ done: COUNT, total: COUNT });
    const filename = `comments--3_9.${format}`;
    expect(task.artifact).toMatchObject({ filename });

    const download = await request(`${harness.app.http.url}/api/v1/tasks/${task.id}/result`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(download.statusCode).toBe(200);
    // RFC 6266: an ASCII name needs no filename* (and may carry one with the same name).
    const disposition = String(download.headers['content-disposition']);
    expect(disposition.startsWith(`attachment; filename="${filename}"`)).toBe(true);
    expect([
      `attachment; filename="${filename}"`,
      `attachment; filename="${filename}"; filename*=UTF-8''${filename}`,
    ]).toContain(disposition);
    expect(String(download.headers['content-type'])).toContain(format === 'csv' ? 'text/csv' : 'spreadsheetml');
    const path = join(folder, filename);
    let chunks = 0;
    await pipeline(
      download.body,
      async function* (source) {
        for await (const chunk of source) {
          chunks++;
          yield chunk;
        }
      },
      createWriteStream(path),
    );
    const size = (await stat(path)).size;
    expect(Number(download.headers['content-length'])).toBe(size);
    expect(task.artifact.size).toBe(size);
    console.log(
      `${dialect}: ${format.toUpperCase()} export task of ${COUNT} comments: RSS growth ${growthMb.toFixed(1)} MB, ${size} bytes downloaded in ${chunks} chunks`,
    );
    expect(growthMb).toBeLessThan(100);
    // Streamed, not sent as one buffer.
    expect(chunks).toBeGreaterThan(1);
    return { task, path };
  }

  it('exports 100,000 comments to CSV under 100 MB of RSS growth; the download streams and parses back', async () => {
    const { path } = await exportAndDownload('csv');
    let rows = -1;
    for await (const record of createReadStream(path).pipe(parse({ bom: true }))) {
      if (rows === 77_777) {
        const expected = generatedComment(-3, 9, 77_777);
        expect(record).toEqual([
          String(expected.id),
          String(expected.from_id),
          new Date(expected.date * 1000).toISOString(),
          expected.text,
          String(expected.likes.count),
        ]);
      }
      rows++;
    }
    expect(rows).toBe(COUNT);
  }, 180_000);

  it('exports 100,000 comments to XLSX under 100 MB of RSS growth; the file opens', async () => {
    const { path } = await exportAndDownload('xlsx');
    let rows = 0;
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      styles: 'cache',
      hyperlinks: 'ignore',
    });
    for await (const sheet of reader) {
      for await (const row of sheet) {
        if (row.number === 1) continue;
        if (row.number === 77_779) expect((row.values as unknown[])[4]).toBe(generatedComment(-3, 9, 77_777).text);
        rows++;
      }
    }
    expect(rows).toBe(COUNT);
  }, 180_000);

  it('exports JSON that parses back', async () => {
    const created = await harness.call('POST', '/api/v1/tasks/export', {
      token,
      body: { ownerId: -3, postId: 9, format: 'json' },
    });
    const task = await waitForTask(harness, token, created.body.id);
    const download = await harness.call('GET', `/api/v1/tasks/${task.id}/result`, { token });
    expect(download.status).toBe(200);
    const items = JSON.parse(download.raw.toString('utf8')) as { id: number; text: string }[];
    expect(items).toHaveLength(COUNT);
    expect(items[5]).toMatchObject({ id: 6, text: generatedComment(-3, 9, 5).text });
  }, 120_000);

  it('answers 410 problem+json once the result expired, and its file is gone', async () => {
    const created = await harness.call('POST', '/api/v1/tasks/export', {
      token,
      body: { ownerId: -3, postId: 9, format: 'csv' },
    });
    const task = await waitForTask(harness, token, created.body.id);
    expect(task.state).toBe('succeeded');
    const directory = join(database.dataDir, 'tasks', task.id);
    const files = async () =>
      (await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => [])).filter((entry) =>
        entry.isFile(),
      );
    expect((await files()).length).toBe(1);
    const waitMs = new Date(task.expiresAt).getTime() - Date.now() + 50;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const gone = await harness.call('GET', `/api/v1/tasks/${task.id}/result`, { token });
    expect(gone.status).toBe(410);
    expect(gone.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(gone.body).toMatchObject({ status: 410, type: 'urn:keel:problem:task_result_expired' });
    expect((await harness.call('GET', `/api/v1/tasks/${task.id}`, { token })).body.state).toBe('expired');
    await harness.app.tasks.expireResults();
    expect(await files()).toEqual([]);
  }, 120_000);
});
