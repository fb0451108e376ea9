import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import type { CommentRow } from '../comments/repository.js';

/** File formats of an export. */
export type ExportFormat = 'csv' | 'json' | 'xlsx';

/** The content type and file extension of each format. */
export const exportFormats: Record<ExportFormat, { contentType: string; extension: string }> = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  json: { contentType: 'application/json', extension: 'json' },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx' },
};

const COLUMNS = ['id', 'from_id', 'date', 'text', 'likes'] as const;

/** Writes rows batch by batch; memory is one batch plus the writer's buffers. */
interface RowSink {
  write(batch: readonly CommentRow[]): Promise<void>;
  end(): Promise<void>;
  abort(): void;
}

/**
 * Streams batches of comments into `path` in `format`, with bounded memory: CSV through
 * csv-stringify, JSON as an array written item by item, XLSX through exceljs's streaming
 * WorkbookWriter (each row committed as written). Stops at the signal. Returns the rows written.
 */
export async function exportComments(
  batches: AsyncIterable<readonly CommentRow[]>,
  path: string,
  format: ExportFormat,
  options: { signal?: AbortSignal; onBatch?: (written: number) => Promise<void> | void } = {},
): Promise<number> {
  const sink = format === 'xlsx' ? xlsxSink(path) : format === 'csv' ? csvSink(path) : jsonSink(path);
  let written = 0;
  try {
    for await (const batch of batches) {
      options.signal?.throwIfAborted();
      await sink.write(batch);
      written += batch.length;
      await options.onBatch?.(written);
    }
    await sink.end();
    return written;
  } catch (error) {
    sink.abort();
    throw error;
  }
}

function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

// Waits for the stream to drain when its buffer is full: the back-pressure that bounds memory.
async function writeText(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function finish(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
  if (!stream.closed) await once(stream, 'close');
}

function csvSink(path: string): RowSink {
  const file = createWriteStream(path);
  // A BOM so spreadsheet programs read the Cyrillic text as UTF-8.
  const csv = stringify({ header: true, columns: [...COLUMNS], bom: true });
  csv.pipe(file);
  return {
    async write(batch) {
      for (const row of batch) {
        if (!csv.write([row.id, row.fromId, isoDate(row.date), row.text, row.likes])) await once(csv, 'drain');
      }
    },
    async end() {
      csv.end();
      await once(file, 'close');
    },
    abort() {
      csv.destroy();
      file.destroy();
    },
  };
}

function jsonSink(path: string): RowSink {
  const file = createWriteStream(path);
  let first = true;
  return {
    async write(batch) {
      let text = '';
      for (const row of batch) {
        text += `${first ? '[\n' : ',\n'}${JSON.stringify({ id: row.id, fromId: row.fromId, date: isoDate(row.date), text: row.text, likes: row.likes })}`;
        first = false;
      }
      await writeText(file, text);
    },
    async end() {
      await writeText(file, first ? '[]\n' : '\n]\n');
      await finish(file);
    },
    abort() {
      file.destroy();
    },
  };
}

function xlsxSink(path: string): RowSink {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet('comments');
  sheet.columns = [
    { header: 'id', key: 'id', width: 12 },
    { header: 'from_id', key: 'from_id', width: 14 },
    { header: 'date', key: 'date', width: 22, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
    { header: 'text', key: 'text', width: 80 },
    { header: 'likes', key: 'likes', width: 8 },
  ];
  return {
    async write(batch) {
      for (const row of batch) {
        sheet.addRow([row.id, row.fromId, new Date(row.date * 1000), row.text, row.likes]).commit();
      }
    },
    async end() {
      sheet.commit();
      await workbook.commit();
    },
    abort() {
      // The half-written file is removed by the caller; exceljs has no abort of its own.
    },
  };
}
