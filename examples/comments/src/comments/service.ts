import { rm } from 'node:fs/promises';
import { type PostAnalysis, PostAnalyzer, type TimeBucket } from '../analysis/analyze.js';
import { type ExportFormat, exportComments } from '../exports/export-comments.js';
import type { VkClient } from '../vk/client.js';
import type { CommentRepository } from './repository.js';

/** What a long operation reports to, and is stopped by: a task's context. */
export interface WorkContext {
  signal: AbortSignal;
  /** Records progress; the task stores it (coalesced, never backwards). */
  progress(done: number, total: number, details?: Record<string, string | number>): Promise<void> | void;
  /** Durably records how far a parse got (the offset of the next page), for a retry to resume. */
  checkpoint?(state: { offset: number }): Promise<void>;
}

/** The outcome of a parse. */
export interface ParseResult {
  ownerId: number;
  postId: number;
  /** Comments fetched and stored by this parse. */
  fetched: number;
  /** VK's count at the last page. */
  reportedCount: number;
  /** Comments of the post stored now (earlier parses included). */
  stored: number;
}

/** The outcome of an export, before it becomes a file artifact. */
export interface ExportResult {
  rows: number;
  format: ExportFormat;
}

/** Parses, analyzes and exports posts' comments. */
export class CommentsService {
  constructor(
    readonly comments: CommentRepository,
    private readonly vk: VkClient,
  ) {}

  /**
   * Fetches every comment of a post page by page (100 a page), storing each page in one
   * transaction as it comes, so a stop at any point leaves whole pages. `fromOffset` resumes a
   * retried parse at its checkpoint.
   */
  async parse(ownerId: number, postId: number, context: WorkContext, fromOffset = 0): Promise<ParseResult> {
    let offset = fromOffset;
    let reportedCount = 0;
    for (;;) {
      context.signal.throwIfAborted();
      const page = await this.vk.comments(ownerId, postId, offset, context.signal);
      reportedCount = page.count;
      await this.comments.upsertPage(ownerId, postId, page.items, page.count);
      offset += page.items.length;
      await context.progress(Math.min(offset, page.count), page.count, { offset });
      await context.checkpoint?.({ offset });
      if (page.items.length === 0 || offset >= page.count) break;
    }
    await this.comments.markParsed(ownerId, postId);
    return { ownerId, postId, fetched: offset, reportedCount, stored: await this.comments.count(ownerId, postId) };
  }

  /** Analyzes a post's stored comments in one pass; each comment's sentiment is stored with it. */
  async analyze(
    ownerId: number,
    postId: number,
    context: WorkContext,
    bucket: TimeBucket = 'day',
  ): Promise<PostAnalysis> {
    const total = await this.comments.count(ownerId, postId);
    const analyzer = new PostAnalyzer(ownerId, postId, { bucket });
    const repository = this.comments;
    let done = 0;
    async function* sentiments() {
      for await (const batch of repository.scan(ownerId, postId)) {
        context.signal.throwIfAborted();
        yield analyzer.add(batch).map(({ id, score, label }) => ({ id, score, label }));
        done += batch.length;
        await context.progress(done, total);
      }
    }
    await this.comments.replaceSentiments(ownerId, postId, sentiments());
    return analyzer.result();
  }

  /** Streams a post's stored comments into `path`; a failed or stopped export leaves no file. */
  async export(
    ownerId: number,
    postId: number,
    format: ExportFormat,
    path: string,
    context: WorkContext,
  ): Promise<ExportResult> {
    const total = await this.comments.count(ownerId, postId);
    try {
      const rows = await exportComments(this.comments.scan(ownerId, postId), path, format, {
        signal: context.signal,
        onBatch: (written) => context.progress(written, total),
      });
      return { rows, format };
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
  }
}
