/**
 * Splits a text into the pieces the injection model scores one by one: lines (a sentence wrapped
 * over several lines counts as one), and long lines cut at sentence ends (or at a space once a
 * piece passes MAX_SEGMENT). An instruction planted in a
 * document is usually one line or one sentence; scored alone it is not drowned by the document
 * around it. Pieces with fewer than MIN_LETTERS letters are skipped (table rules, blank lines).
 *
 * Linear: every character is visited a bounded number of times.
 */

export interface Segment {
  /** UTF-16 offsets into the original text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

/** Longest piece scored as one; longer lines are cut at a sentence end or a space. */
export const MAX_SEGMENT = 480;
const MIN_SEGMENT = 120;
const MIN_LETTERS = 6;

function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code >= 0xc0;
}

function hasLetters(text: string, start: number, end: number): boolean {
  let letters = 0;
  for (let i = start; i < end; i++) {
    if (isLetter(text.charCodeAt(i)) && ++letters >= MIN_LETTERS) return true;
  }
  return false;
}

/** Where to cut a long line that starts at `start`: after a sentence end, else at a space. */
function cutPoint(text: string, start: number, lineEnd: number): number {
  const limit = Math.min(lineEnd, start + MAX_SEGMENT);
  if (limit === lineEnd) return lineEnd;
  let space = -1;
  for (let i = limit - 1; i > start + MIN_SEGMENT; i--) {
    const code = text.charCodeAt(i);
    if (code === 32) {
      const before = text.charCodeAt(i - 1);
      if (before === 46 || before === 33 || before === 63 || before === 0x3002) return i + 1;
      if (space < 0) space = i + 1;
    }
  }
  return space > 0 ? space : limit;
}

/** Does the line at `next` continue a sentence wrapped from the line ending at `end`? */
function continuesSentence(text: string, end: number, next: number): boolean {
  let last = end - 1;
  while (last >= 0 && (text.charCodeAt(last) === 32 || text.charCodeAt(last) === 13)) last--;
  const ending = text.charCodeAt(last);
  if (last < 0 || ending === 46 || ending === 33 || ending === 63 || ending === 58) return false;
  let first = next;
  while (first < text.length && text.charCodeAt(first) === 32) first++;
  const opening = text.charCodeAt(first);
  return opening >= 97 && opening <= 122;
}

/** End of the logical line starting at `start`: wrapped prose lines are joined (within MAX_SEGMENT). */
function logicalLineEnd(text: string, start: number): number {
  let end = text.indexOf('\n', start);
  if (end < 0) return text.length;
  while (end + 1 < text.length && continuesSentence(text, end, end + 1)) {
    let nextEnd = text.indexOf('\n', end + 1);
    if (nextEnd < 0) nextEnd = text.length;
    if (nextEnd - start > MAX_SEGMENT) break;
    end = nextEnd;
    if (end === text.length) break;
  }
  return end;
}

/** The segments of `text`, in order. */
export function splitSegments(text: string): Segment[] {
  const segments: Segment[] = [];
  let lineStart = 0;
  while (lineStart < text.length) {
    const lineEnd = logicalLineEnd(text, lineStart);
    let start = lineStart;
    while (start < lineEnd) {
      const end = cutPoint(text, start, lineEnd);
      if (hasLetters(text, start, end)) segments.push({ start, end });
      start = end;
    }
    lineStart = lineEnd + 1;
  }
  return segments;
}
