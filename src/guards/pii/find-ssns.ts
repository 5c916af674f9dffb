/**
 * US Social Security numbers: `AAA-GG-SSSS` standing alone as a whole numeric run, or written
 * `AAA GG SSSS` / `AAAGGSSSS` next to words such as "SSN" or "social security". The area is
 * 001–899 except 666, the group is not 00 and the serial not 0000; numbers the SSA has voided
 * because they were published (078-05-1120, 219-09-9999, 123-45-6789) are left out.
 */
import { codeAt } from './ascii.js';
import { nearby } from './nearby.js';
import { gluedRight, type NumericRun } from './numeric-runs.js';
import type { PiiMatch } from './pii-kinds.js';

const CONTEXT = /\b(?:ssn|ss#|ss no|social[ -]security|soc\.? ?sec|tin|taxpayer id)(?![a-z])/i;
const VOID = new Set(['078051120', '219099999', '123456789']);

/** True when the nine digits are an SSN the SSA could issue. */
export function ssnValid(digits: string): boolean {
  if (digits.length !== 9 || VOID.has(digits)) return false;
  const area = Number(digits.slice(0, 3));
  const group = Number(digits.slice(3, 5));
  const serial = Number(digits.slice(5));
  return area > 0 && area !== 666 && area < 900 && group > 0 && serial > 0;
}

function sizes(run: NumericRun): string {
  return run.groups.map((g) => g.end - g.start).join(',');
}

/** SSNs among the numeric runs of `text`. */
export function findSsns(text: string, runs: readonly NumericRun[]): PiiMatch[] {
  const out: PiiMatch[] = [];
  for (const run of runs) {
    if (run.digits !== 9 || run.plus || codeAt(text, run.start) === 0x28 || gluedRight(text, run.end)) continue;
    // `123-45-6789-…` continuing with a dash and letters is a code, not an SSN.
    if (codeAt(text, run.end) === 0x2d) continue;
    const shape = sizes(run);
    const raw = text.slice(run.start, run.end);
    const digits = raw.replace(/\D/g, '');
    if (!ssnValid(digits)) continue;
    const context = nearby(text, run.start, run.end, CONTEXT);
    let confidence = 0;
    if (shape === '3,2,4' && raw[3] === '-' && raw[6] === '-') confidence = context ? 0.95 : 0.85;
    else if (context && (shape === '9' || (shape === '3,2,4' && raw[3] === ' ' && raw[6] === ' '))) confidence = 0.8;
    if (confidence > 0) out.push({ kind: 'US_SSN', start: run.start, end: run.end, confidence });
  }
  return out;
}
