/**
 * E-mail addresses: every `@` is expanded left over a local part (≤ 64 characters) and right over
 * a dotted domain (≤ 253 characters) whose last label is an alphabetic TLD of two or more letters.
 * Also the common spelled-out obfuscations `name [at] example [dot] com`, `name(at)example.com`.
 * Work per `@` is bounded, so the scan is linear.
 */
import { codeAt, isAlnum, isLetter } from './ascii.js';
import type { PiiMatch } from './pii-kinds.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const MAX_LABEL = 63;

/** `A-Z a-z 0-9 . _ % + - '` */
function isLocalChar(code: number): boolean {
  return isAlnum(code) || code === 0x2e || code === 0x5f || code === 0x25 || code === 0x2b || code === 0x2d || code === 0x27;
}

function isLabelChar(code: number): boolean {
  return isAlnum(code) || code === 0x2d;
}

/** Start of the local part that ends just before `end`, or -1. */
function localStart(text: string, end: number): number {
  let i = end;
  while (i > 0 && end - i <= MAX_LOCAL && isLocalChar(text.charCodeAt(i - 1))) i--;
  if (end - i > MAX_LOCAL || i === end || text.charCodeAt(end - 1) === 0x2e) return -1;
  // No two dots in a row: keep what follows the last `..`.
  for (let k = end - 1; k > i; k--) {
    if (text.charCodeAt(k) === 0x2e && text.charCodeAt(k - 1) === 0x2e) {
      i = k + 1;
      break;
    }
  }
  while (i < end && !isAlnum(text.charCodeAt(i))) i++;
  return i < end ? i : -1;
}

/** True when `label` (a slice of the domain) is a DNS label; the last one must be a TLD. */
function validLabel(text: string, start: number, end: number, isTld: boolean): boolean {
  const length = end - start;
  if (length < 1 || length > MAX_LABEL) return false;
  if (text.charCodeAt(start) === 0x2d || text.charCodeAt(end - 1) === 0x2d) return false;
  if (!isTld) return true;
  if (length < 2) return false;
  if (text.startsWith('xn--', start)) return true;
  for (let i = start; i < end; i++) if (!isLetter(text.charCodeAt(i))) return false;
  return true;
}

/**
 * End of the domain that starts at `start` with `.` as the label separator, or -1. Trailing dots
 * and hyphens (sentence punctuation) are left out.
 */
function domainEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && end - start <= MAX_DOMAIN) {
    const code = text.charCodeAt(end);
    if (isLabelChar(code)) end++;
    else if (code === 0x2e && isLabelChar(codeAt(text, end + 1))) end++;
    else break;
  }
  if (end - start > MAX_DOMAIN) return -1;
  while (end > start && !isAlnum(text.charCodeAt(end - 1))) end--;
  let labelStart = start;
  let labels = 0;
  for (let i = start; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== 0x2e) continue;
    if (!validLabel(text, labelStart, i, i === end)) return -1;
    labels++;
    labelStart = i + 1;
  }
  return labels >= 2 ? end : -1;
}

function findPlain(text: string, out: PiiMatch[]): void {
  let at = text.indexOf('@');
  while (at !== -1) {
    let next = at + 1;
    const start = localStart(text, at);
    const end = start === -1 ? -1 : domainEnd(text, at + 1);
    if (end !== -1) {
      out.push({ kind: 'EMAIL', start, end, confidence: 0.95 });
      next = end;
    }
    at = text.indexOf('@', next);
  }
}

const SPELLED_AT = /[[({]\s?at\s?[\])}]\s?/gi;
const SPELLED_DOT = /^\s?(?:\.|[[({]\s?dot\s?[\])}])\s?/i;
const MAX_SPELLED_LABELS = 10;

/** `name [at] example [dot] com`: the domain may use `.` or a bracketed `dot` between labels. */
function findSpelled(text: string, out: PiiMatch[]): void {
  SPELLED_AT.lastIndex = 0;
  for (let m = SPELLED_AT.exec(text); m !== null; m = SPELLED_AT.exec(text)) {
    const before = m.index > 0 && /\s/.test(text[m.index - 1] ?? '') ? m.index - 1 : m.index;
    const start = localStart(text, before);
    if (start === -1) continue;
    let i = m.index + m[0].length;
    let labels = 0;
    let lastStart = i;
    let end = i;
    while (labels < MAX_SPELLED_LABELS) {
      const labelStart = i;
      while (i < text.length && i - labelStart <= MAX_LABEL && isLabelChar(text.charCodeAt(i))) i++;
      if (i === labelStart || !validLabel(text, labelStart, i, false)) break;
      labels++;
      lastStart = labelStart;
      end = i;
      const dot = SPELLED_DOT.exec(text.slice(i, i + 12));
      if (dot === null) break;
      i += dot[0].length;
    }
    if (labels >= 2 && validLabel(text, lastStart, end, true)) {
      out.push({ kind: 'EMAIL', start, end, confidence: 0.8 });
      SPELLED_AT.lastIndex = Math.max(SPELLED_AT.lastIndex, end);
    }
  }
}

/** E-mail addresses in `text`, plain and spelled out. */
export function findEmails(text: string): PiiMatch[] {
  const out: PiiMatch[] = [];
  findPlain(text, out);
  if (text.length > 0) findSpelled(text, out);
  return out;
}
