import { StopwordsRu } from '@nlpjs/lang-ru';
import { eng, rus } from 'stopword';

// stopword's Russian list is short (no "очень"): NLP.js's Russian list completes it.
const STOP_WORDS = new Set(
  [...rus, ...Object.keys(new StopwordsRu().dictionary), ...eng].map((word) => word.toLowerCase().replaceAll('ё', 'е')),
);
const WORD = /\p{L}[\p{L}\p{M}'’-]*/gu;

/** The words of a text, lower case, `ё` read as `е`, apostrophes and hyphens kept inside words. */
export function words(text: string): string[] {
  return (text.toLowerCase().replaceAll('ё', 'е').match(WORD) ?? []).map((word) => word.replace(/['’-]+$/, ''));
}

/** Words worth counting as keywords: three letters or more, not a Russian or English stop word. */
export function keywords(text: string): string[] {
  return words(text).filter((word) => word.length >= 3 && !STOP_WORDS.has(word));
}
