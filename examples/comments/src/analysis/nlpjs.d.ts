// NLP.js ships no declarations; these cover the parts the sentiment scorer uses.
declare module '@nlpjs/lang-ru' {
  /** NLP.js's Snowball stemmer for Russian. */
  export class StemmerRu {
    stemWord(word: string): string;
  }
  /** NLP.js's Russian stop words. */
  export class StopwordsRu {
    dictionary: Record<string, boolean>;
  }
  /** NLP.js's Russian AFINN lexicon, keyed by stem (scores are numeric strings). */
  export const SentimentRu: { afinn: Record<string, string | number>; stemmed: boolean };
}
