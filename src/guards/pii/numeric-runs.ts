/**
 * Numeric runs: maximal stretches of digit groups joined by one separator each (space, `-`, `.`,
 * `/`) or by parentheses, optionally led by `+` or `(`, standing alone (no word character glued on
 * the left). Phone numbers, card numbers and SSNs are all read from these runs, so the digits of a
 * text are walked once. `4111 1111 1111 1111`, `+46 (0)8 928 571 38`, `(579)888-3058` and
 * `2000-04-16 11` (a date, rejected later) are runs; `1,234` is two.
 */
import { codeAt, isDigit, isWordChar } from './ascii.js';

/** One group of consecutive digits inside a run. */
export interface DigitGroup {
  readonly start: number;
  readonly end: number;
}

/** A numeric run: `[start, end)` of the scanned text and its digit groups in order. */
export interface NumericRun {
  readonly start: number;
  readonly end: number;
  readonly groups: readonly DigitGroup[];
  /** Total digits over all groups. */
  readonly digits: number;
  /** The run starts with `+` (an international number). */
  readonly plus: boolean;
}

const OPEN = 0x28;
const CLOSE = 0x29;
const PLUS = 0x2b;
const SPACE = 0x20;
const DASH = 0x2d;

function isJoiner(code: number): boolean {
  return code === SPACE || code === DASH || code === 0x2e || code === 0x2f;
}

/**
 * Length of the separator at `i` that joins two groups (0 if none): one joiner, `)` with an
 * optional space or dash after it, a joiner or nothing before `(`, each followed by a digit.
 */
function separatorLength(text: string, i: number): number {
  const c0 = codeAt(text, i);
  const c1 = codeAt(text, i + 1);
  const c2 = codeAt(text, i + 2);
  if (isJoiner(c0)) {
    if (isDigit(c1)) return 1;
    if ((c0 === SPACE || c0 === DASH) && c1 === OPEN && isDigit(c2)) return 2;
    return 0;
  }
  if (c0 === CLOSE) {
    if (isDigit(c1)) return 1;
    if ((c1 === SPACE || c1 === DASH) && isDigit(c2)) return 2;
    return 0;
  }
  if (c0 === OPEN && isDigit(c1)) return 1;
  return 0;
}

/** Where a run starting at the digit `i` really starts (`+`, `(` or `+(` before it), or -1 when glued to a word. */
function runStart(text: string, i: number): number {
  let start = i;
  if (codeAt(text, start - 1) === OPEN) start--;
  if (codeAt(text, start - 1) === PLUS) start--;
  const before = codeAt(text, start - 1);
  if (isWordChar(before)) return -1;
  // `1.5` continuing `0.` or `v1.2`: a digit after a dot that follows a word or digit is not a run start.
  if (start === i && before === 0x2e && isWordChar(codeAt(text, start - 2))) return -1;
  return start;
}

/** Reads the run whose first digit is at `first`. */
function readRun(text: string, start: number, first: number): NumericRun {
  const groups: DigitGroup[] = [];
  let digits = 0;
  let i = first;
  for (;;) {
    const groupStart = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    groups.push({ start: groupStart, end: i });
    digits += i - groupStart;
    const sep = separatorLength(text, i);
    if (sep === 0) break;
    i += sep;
  }
  let end = i;
  // A `)` closing a parenthesised group at the very end belongs to the run.
  if (codeAt(text, end) === CLOSE && codeAt(text, start) === OPEN) end++;
  return { start, end, groups, digits, plus: codeAt(text, start) === PLUS };
}

const NEXT_DIGIT = /[0-9]/g;
const MIN_USEFUL_DIGITS = 7;

/** Every numeric run of `text` with seven digits or more, left to right, none overlapping. */
export function findNumericRuns(text: string): NumericRun[] {
  const runs: NumericRun[] = [];
  let i = 0;
  while (i < text.length) {
    NEXT_DIGIT.lastIndex = i;
    if (NEXT_DIGIT.exec(text) === null) break;
    i = NEXT_DIGIT.lastIndex - 1;
    const start = runStart(text, i);
    if (start === -1) {
      while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
      continue;
    }
    const run = readRun(text, start, i);
    // Runs of fewer than 7 digits can hold no phone, SSN or card number: not kept.
    if (run.digits >= MIN_USEFUL_DIGITS) runs.push(run);
    i = Math.max(run.end, i + 1);
  }
  return runs;
}

/** True when a word character is glued to the right of `end` (e.g. `123abc`). */
export function gluedRight(text: string, end: number): boolean {
  return isWordChar(codeAt(text, end));
}
