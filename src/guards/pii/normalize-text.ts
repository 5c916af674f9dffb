/**
 * A scanning copy of a text with cheap obfuscation undone, and the way back to the original
 * offsets. Zero-width characters and soft hyphens are dropped (so `a\u200Bb@x.com` is scanned as
 * `ab@x.com`), full-width ASCII (U+FF01–U+FF5E) becomes ASCII, Unicode dashes become `-` and
 * no-break spaces become a space. Every kept character maps to exactly one original UTF-16 unit,
 * so a span found in the copy maps back to a span of the original that also covers whatever was
 * dropped inside it. Linear in the text; never throws (lone surrogates pass through untouched).
 */

/** The scanning copy and its offset map. */
export interface NormalizedText {
  /** The text to scan. Same as the original when nothing needed normalising. */
  readonly text: string;
  /** Original offset of the character at `index` of the copy (`index` may equal the length). */
  toOriginal(index: number): number;
}

/** Every character that changes under normalisation. */
const CHANGED = /[\u00A0\u00AD\u2007\u200B-\u200F\u2010-\u2015\u202F\u2060-\u2064\u2212\uFEFF\uFF01-\uFF5E]/g;

/** Zero-width characters and the soft hyphen: invisible, dropped from every scanning copy. */
export function dropped(code: number): boolean {
  return (
    code === 0x00ad ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2060 && code <= 0x2064) ||
    code === 0xfeff
  );
}

function replacement(code: number): string {
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCharCode(code - 0xfee0);
  if (code === 0x00a0 || code === 0x2007 || code === 0x202f) return ' ';
  return '-';
}

/** Number of entries in `sorted` that are ≤ `value`. */
function countAtMost(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const identity = (index: number): number => index;

/** Builds the scanning copy of `text`: unchanged stretches are copied as slices. */
export function normalizeText(text: string): NormalizedText {
  CHANGED.lastIndex = 0;
  let m = CHANGED.exec(text);
  if (m === null) return { text, toOriginal: identity };
  const parts: string[] = [];
  // removedAt[k]: length of the copy when the k-th dropped character was met.
  const removedAt: number[] = [];
  let length = 0;
  let from = 0;
  for (; m !== null; m = CHANGED.exec(text)) {
    const at = m.index;
    parts.push(text.slice(from, at));
    length += at - from;
    const code = text.charCodeAt(at);
    if (dropped(code)) {
      removedAt.push(length);
    } else {
      parts.push(replacement(code));
      length++;
    }
    from = at + 1;
  }
  parts.push(text.slice(from));
  const copy = parts.join('');
  if (removedAt.length === 0) return { text: copy, toOriginal: identity };
  return { text: copy, toOriginal: (index) => index + countAtMost(removedAt, index) };
}

/**
 * Maps a span `[start, end)` of the copy to the original: the start is the original position of
 * the first kept character, the end is just past the original position of the last one.
 */
export function spanToOriginal(normalized: NormalizedText, start: number, end: number): [number, number] {
  if (end <= start) {
    const at = normalized.toOriginal(start);
    return [at, at];
  }
  return [normalized.toOriginal(start), normalized.toOriginal(end - 1) + 1];
}
