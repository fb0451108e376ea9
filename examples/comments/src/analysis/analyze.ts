import type { CommentRow } from '../comments/repository.js';
import { type SentimentScore, scoreSentiment } from './sentiment.js';
import { keywords } from './words.js';

/** Bucket size of the counts over time. */
export type TimeBucket = 'hour' | 'day';

/** What an analysis of a post's comments finds. */
export interface PostAnalysis {
  ownerId: number;
  postId: number;
  comments: number;
  /** Comments per bucket (UTC), oldest first; empty buckets left out. */
  timeline: { bucket: TimeBucket; points: { at: string; comments: number }[] };
  /** The most active authors: by comments, then likes, then id. */
  topCommenters: { fromId: number; comments: number; likes: number }[];
  /** The most frequent words without Russian and English stop words: by count, then alphabetically. */
  keywords: { word: string; count: number }[];
  /** Totals of the per-comment lexicon sentiment (each comment's is stored with it). */
  sentiment: { positive: number; negative: number; neutral: number; totalScore: number; averageScore: number };
}

/** Options of {@link PostAnalyzer}. */
export interface AnalyzerOptions {
  bucket?: TimeBucket;
  topCommenters?: number;
  topKeywords?: number;
}

/**
 * Accumulates an analysis batch by batch (memory grows with distinct authors, words and buckets,
 * not with comments), then sorts everything by fixed keys: the same comments give the same result.
 */
export class PostAnalyzer {
  private readonly buckets = new Map<string, number>();
  private readonly authors = new Map<number, { comments: number; likes: number }>();
  private readonly words = new Map<string, number>();
  private readonly totals = { comments: 0, positive: 0, negative: 0, neutral: 0, score: 0 };
  private readonly bucket: TimeBucket;

  constructor(
    private readonly ownerId: number,
    private readonly postId: number,
    private readonly options: AnalyzerOptions = {},
  ) {
    this.bucket = options.bucket ?? 'day';
  }

  /** Adds a batch; returns each comment's sentiment, in order. */
  add(batch: readonly CommentRow[]): (SentimentScore & { id: number })[] {
    return batch.map((comment) => {
      this.totals.comments++;
      const iso = new Date(comment.date * 1000).toISOString();
      const at = this.bucket === 'day' ? `${iso.slice(0, 10)}T00:00:00.000Z` : `${iso.slice(0, 13)}:00:00.000Z`;
      this.buckets.set(at, (this.buckets.get(at) ?? 0) + 1);
      const author = this.authors.get(comment.fromId) ?? { comments: 0, likes: 0 };
      author.comments++;
      author.likes += comment.likes;
      this.authors.set(comment.fromId, author);
      for (const word of keywords(comment.text)) this.words.set(word, (this.words.get(word) ?? 0) + 1);
      const sentiment = scoreSentiment(comment.text);
      this.totals[sentiment.label]++;
      this.totals.score += sentiment.score;
      return { id: comment.id, ...sentiment };
    });
  }

  /** The analysis so far. */
  result(): PostAnalysis {
    const round = (value: number) => Math.round(value * 1000) / 1000;
    return {
      ownerId: this.ownerId,
      postId: this.postId,
      comments: this.totals.comments,
      timeline: {
        bucket: this.bucket,
        points: [...this.buckets]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([at, comments]) => ({ at, comments })),
      },
      topCommenters: [...this.authors]
        .map(([fromId, author]) => ({ fromId, ...author }))
        .sort((a, b) => b.comments - a.comments || b.likes - a.likes || a.fromId - b.fromId)
        .slice(0, this.options.topCommenters ?? 20),
      keywords: [...this.words]
        .sort(([wordA, a], [wordB, b]) => b - a || (wordA < wordB ? -1 : wordA > wordB ? 1 : 0))
        .slice(0, this.options.topKeywords ?? 50)
        .map(([word, count]) => ({ word, count })),
      sentiment: {
        positive: this.totals.positive,
        negative: this.totals.negative,
        neutral: this.totals.neutral,
        totalScore: round(this.totals.score),
        averageScore: this.totals.comments === 0 ? 0 : round(this.totals.score / this.totals.comments),
      },
    };
  }
}
