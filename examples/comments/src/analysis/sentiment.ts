import { SentimentRu, StemmerRu } from '@nlpjs/lang-ru';
import Sentiment from 'sentiment';

/** A comment's sentiment: the sum of its words' lexicon scores, and its sign. */
export interface SentimentScore {
  score: number;
  label: 'positive' | 'negative' | 'neutral';
}

const CYRILLIC_WORD = /[\p{Script=Cyrillic}][\p{Script=Cyrillic}\p{M}-]*/gu;
const RUSSIAN_NEGATORS = new Set(['не', 'нет', 'ни', 'без']);
const engine = new Sentiment();
const stemmer = new StemmerRu();
engine.registerLanguage('ru', {
  labels: Object.fromEntries(
    Object.entries(SentimentRu.afinn).flatMap(([stem, value]) => {
      const score = Number(value);
      return Number.isFinite(score) ? [[stem, score]] : [];
    }),
  ),
  // A negator right before a scored word flips it ("не люблю"), as the English strategy does.
  scoringStrategy: {
    apply: (tokens: string[], cursor: number, score: number) =>
      cursor > 0 && RUSSIAN_NEGATORS.has(tokens[cursor - 1] as string) ? -score : score,
  },
});

/**
 * Scores a text with two AFINN lexicons through the `sentiment` engine: Russian words, stemmed by
 * NLP.js's Snowball stemmer, against NLP.js's Russian AFINN; everything else (English words, emoji)
 * against AFINN-165. Both handle a negator before a word. Deterministic.
 */
export function scoreSentiment(text: string): SentimentScore {
  const russian = text.match(CYRILLIC_WORD) ?? [];
  let score = 0;
  if (russian.length > 0) {
    // stemWord, not tokenizeAndStem: the lexicon's stems keep й (the tokenizer would fold it into и).
    const stems = russian.map((word) => stemmer.stemWord(word.toLowerCase().replaceAll('ё', 'е')));
    score += engine.analyze(stems.join(' '), { language: 'ru' }).score;
  }
  const rest = russian.length > 0 ? text.replace(CYRILLIC_WORD, ' ') : text;
  if (/\S/.test(rest)) score += engine.analyze(rest).score;
  score = Math.round(score * 1000) / 1000;
  return { score, label: score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral' };
}
