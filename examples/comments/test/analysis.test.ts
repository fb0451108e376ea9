import { describe, expect, it } from 'vitest';
import { PostAnalyzer } from '../src/analysis/analyze.js';
import { scoreSentiment } from '../src/analysis/sentiment.js';
import { keywords } from '../src/analysis/words.js';
import { generatedComment } from '../src/vk/stand-in.js';

describe('analysis', () => {
  it('scores Russian and English with their lexicons, negators included', () => {
    expect(scoreSentiment('Отличный пост, спасибо автору!').label).toBe('positive');
    expect(scoreSentiment('Ужасная статья, скучно').label).toBe('negative');
    expect(scoreSentiment('Great post, thanks!').label).toBe('positive');
    expect(scoreSentiment('awful, I hate it').label).toBe('negative');
    expect(scoreSentiment('not good').label).toBe('negative');
    expect(scoreSentiment('Мне нравится').score).toBeGreaterThan(0);
    expect(scoreSentiment('Мне не нравится').score).toBeLessThan(0);
    expect(scoreSentiment('Отличный').score).toBeGreaterThan(0);
    expect(scoreSentiment('Ужасный пост').score).toBeLessThan(0);
    expect(scoreSentiment('Круто 👍').score).toBeGreaterThan(0);
    expect(scoreSentiment('Дороги в городе').label).toBe('neutral');
  });

  it('drops Russian and English stop words from keywords', () => {
    expect(
      keywords('Это очень интересный пост, и я с ним согласен. This is a very good post, and the city agrees.'),
    ).toEqual(['интересный', 'пост', 'согласен', 'good', 'post', 'city', 'agrees']);
  });

  it('is deterministic: the same comments in the same order give the same result', () => {
    const run = () => {
      const analyzer = new PostAnalyzer(-1, 1, { bucket: 'day' });
      for (let start = 0; start < 3000; start += 1000) {
        analyzer.add(
          Array.from({ length: 1000 }, (_, i) => {
            const comment = generatedComment(-1, 1, start + i);
            return {
              id: comment.id,
              fromId: comment.from_id,
              date: comment.date,
              text: comment.text,
              likes: comment.likes.count,
            };
          }),
        );
      }
      return analyzer.result();
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.comments).toBe(3000);
    expect(first.timeline.points.reduce((sum, point) => sum + point.comments, 0)).toBe(3000);
    expect(first.timeline.points[0]).toEqual({ at: '2026-01-01T00:00:00.000Z', comments: 144 });
    expect(first.sentiment.positive + first.sentiment.negative + first.sentiment.neutral).toBe(3000);
    expect(first.sentiment.positive).toBeGreaterThan(0);
    expect(first.sentiment.negative).toBeGreaterThan(0);
    expect(first.keywords.map((keyword) => keyword.word)).not.toContain('это');
    expect(first.keywords.map((keyword) => keyword.word)).not.toContain('the');
    const counts = first.keywords.map((keyword) => keyword.count);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    expect(first.topCommenters).toHaveLength(20);
    expect(first.topCommenters[0]?.comments).toBeGreaterThanOrEqual(first.topCommenters[19]?.comments ?? 0);
  });
});
