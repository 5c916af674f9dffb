/**
 * The text the injection guard reads: lower-cased, with the cheap disguises undone so that
 * `ig\u200Bnore` and `іgnore` (Cyrillic і) read as `ignore`. Zero-width characters and soft
 * hyphens are dropped; full-width ASCII becomes ASCII; in a word that mixes Latin letters with
 * Cyrillic or Greek look-alikes, the look-alikes become their Latin twins (a word written wholly
 * in Cyrillic or Greek is left alone: it is a real word of that language); runs of white space
 * become one space. Offsets are not kept: the injection guard reports on whole segments, whose
 * offsets come from the original text.
 *
 * Linear in the text; never throws (lone surrogates pass through as they are).
 */
import { dropped } from '../pii/normalize-text.js';

/** Cyrillic and Greek letters that look like a Latin letter, lower case. */
const LOOKALIKES: ReadonlyMap<number, number> = new Map(
  [
    ['а', 'a'], ['в', 'b'], ['е', 'e'], ['ё', 'e'], ['і', 'i'], ['ї', 'i'], ['ј', 'j'], ['к', 'k'],
    ['м', 'm'], ['н', 'h'], ['о', 'o'], ['р', 'p'], ['с', 'c'], ['т', 't'], ['у', 'y'], ['х', 'x'],
    ['ѕ', 's'], ['ԁ', 'd'], ['ԛ', 'q'], ['ԝ', 'w'], ['ɡ', 'g'], ['ı', 'i'],
    ['α', 'a'], ['β', 'b'], ['ε', 'e'], ['ι', 'i'], ['κ', 'k'], ['ν', 'v'], ['ο', 'o'], ['ρ', 'p'],
    ['τ', 't'], ['υ', 'u'], ['χ', 'x'], ['γ', 'y'],
  ].map(([from, to]) => [(from as string).charCodeAt(0), (to as string).charCodeAt(0)]),
);

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x2007 || code === 0x202f || code === 0x3000;
}

function isAsciiLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

/** Folds one word (already lower-cased, no spaces): look-alikes become Latin if Latin is present. */
function foldWord(word: string): string {
  let latin = false;
  let lookalike = false;
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code < 128) latin ||= isAsciiLetter(code);
    else lookalike ||= LOOKALIKES.has(code);
  }
  if (!latin || !lookalike) return word;
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    out += String.fromCharCode(LOOKALIKES.get(code) ?? code);
  }
  return out;
}

const NON_ASCII = /[^\x00-\x7F]/;
const ASCII_SPACE_RUN = /[\t-\r ]+/g;

/** The folded, lower-case reading of `text`. */
export function foldText(text: string): string {
  const lower = text.toLowerCase();
  if (!NON_ASCII.test(lower)) return lower.replace(ASCII_SPACE_RUN, ' ');
  const words: string[] = [];
  let word = '';
  let nonAscii = false;
  const flush = (): void => {
    if (word !== '') words.push(nonAscii ? foldWord(word) : word);
    word = '';
    nonAscii = false;
  };
  for (let i = 0; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    if (dropped(code)) continue;
    if (isSpace(code)) {
      flush();
      continue;
    }
    if (code >= 0xff01 && code <= 0xff5e) {
      word += String.fromCharCode(code - 0xfee0).toLowerCase();
      continue;
    }
    if (code >= 128) nonAscii = true;
    word += lower[i];
  }
  flush();
  return words.join(' ');
}
