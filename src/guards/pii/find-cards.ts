/**
 * Payment card numbers: 12–19 digits, written together or in groups of 3–8 joined by single spaces
 * or dashes, that pass the Luhn check and start with an issuer prefix of a known scheme whose card
 * lengths include this one (Visa, Mastercard, Amex, Diners, Discover, JCB, UnionPay, Maestro, Mir,
 * RuPay, Verve, Troy). 12-digit numbers are Maestro only and get a lower confidence.
 */
import { gluedRight, type NumericRun } from './numeric-runs.js';
import type { PiiMatch } from './pii-kinds.js';

const MIN_DIGITS = 12;
const MAX_DIGITS = 19;
const MAX_GROUPS = 6;

/** Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let n = digits.charCodeAt(i) - 0x30;
    if (double) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    double = !double;
  }
  return sum % 10 === 0;
}

/** [prefix low, prefix high (same length), min length, max length] */
type Range = readonly [number, number, number, number];

const RANGES: readonly Range[] = [
  [4, 4, 13, 19], // Visa (13, 16, 19 in use; 14-18 tolerated)
  [51, 55, 16, 16], // Mastercard
  [2221, 2720, 16, 16], // Mastercard 2-series
  [34, 34, 15, 15], // American Express
  [37, 37, 15, 15],
  [300, 305, 14, 19], // Diners Club
  [3095, 3095, 14, 19],
  [36, 36, 14, 19],
  [38, 39, 14, 19],
  [6011, 6011, 16, 19], // Discover
  [644, 649, 16, 19],
  [65, 65, 16, 19],
  [35, 35, 16, 19], // JCB (assigned 3528–3589; the whole of 35 is taken, as test generators use it)
  [1800, 1800, 15, 15],
  [2131, 2131, 15, 15],
  [62, 62, 16, 19], // UnionPay
  [81, 81, 16, 19],
  [2200, 2204, 16, 19], // Mir
  [60, 60, 16, 16], // RuPay
  [82, 82, 16, 16],
  [508, 508, 16, 16],
  [9792, 9792, 16, 16], // Troy
  [50, 50, 12, 19], // Maestro, Verve (5060-5061), Dankort (5019)
  [56, 69, 12, 19], // Maestro, InstaPayment, InterPayment, Discover overlaps
];

/** True when `digits` starts with a known issuer prefix whose scheme issues cards of this length. */
export function knownIssuer(digits: string): boolean {
  const length = digits.length;
  for (const [low, high, min, max] of RANGES) {
    if (length < min || length > max) continue;
    const width = String(low).length;
    const prefix = Number(digits.slice(0, width));
    if (prefix >= low && prefix <= high) return true;
  }
  return false;
}

function windowDigits(text: string, run: NumericRun, from: number, to: number): string | undefined {
  let digits = '';
  for (let k = from; k <= to; k++) {
    const group = run.groups[k];
    if (group === undefined) return undefined;
    if (to > from && (group.end - group.start < 3 || group.end - group.start > 8)) return undefined;
    if (k > from) {
      const sep = text.slice(run.groups[k - 1]?.end ?? 0, group.start);
      if (sep !== ' ' && sep !== '-') return undefined;
    }
    digits += text.slice(group.start, group.end);
  }
  return digits;
}

/** The longest card number starting at group `from`, as [last group, digits], if any. */
function cardAt(text: string, run: NumericRun, from: number): [number, string] | undefined {
  let total = 0;
  let last = from;
  while (last < run.groups.length && last - from < MAX_GROUPS) {
    const group = run.groups[last];
    if (group === undefined) break;
    total += group.end - group.start;
    if (total > MAX_DIGITS) break;
    last++;
  }
  for (let to = last - 1; to >= from; to--) {
    const digits = windowDigits(text, run, from, to);
    if (digits === undefined || digits.length < MIN_DIGITS) continue;
    if (to === run.groups.length - 1 && gluedRight(text, run.end)) continue;
    if (luhnValid(digits) && knownIssuer(digits)) return [to, digits];
  }
  return undefined;
}

/** Card numbers inside the numeric runs of `text`. */
export function findCards(text: string, runs: readonly NumericRun[]): PiiMatch[] {
  const out: PiiMatch[] = [];
  for (const run of runs) {
    if (run.digits < MIN_DIGITS) continue;
    for (let from = 0; from < run.groups.length; ) {
      const found = cardAt(text, run, from);
      const first = run.groups[from];
      const lastGroup = found === undefined ? undefined : run.groups[found[0]];
      if (found === undefined || first === undefined || lastGroup === undefined) {
        from++;
        continue;
      }
      const confidence = found[1].length === 12 ? 0.6 : found[1].length === 16 ? 0.95 : 0.85;
      out.push({ kind: 'CREDIT_CARD', start: first.start, end: lastGroup.end, confidence });
      from = found[0] + 1;
    }
  }
  return out;
}
