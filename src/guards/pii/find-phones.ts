/**
 * Phone numbers, read from numeric runs and validated against libphonenumber-js's metadata (see
 * phone-regions.ts):
 *
 * - written with `+` or an international call prefix (`00`, `011`): the country code makes the
 *   number; it must be valid for that country (confidence 0.9) or at least of a possible length
 *   (0.7 with `+`, 0.6 with a call prefix: ranges not yet allocated, made-up numbers);
 * - written nationally: valid in one of the default regions (0.7, 0.85 next to a phone word), and
 *   shaped like a phone number, i.e. in two or more groups (`0490 75 40 81`, `(579)888-3058`,
 *   `01.84.17.61.18`) or, as one block of digits, next to a word such as "phone", "tel" or "fax".
 *   Since most 7–12 digit strings are valid somewhere among the default regions, a national number
 *   without a phone word must also not look like something else: an identifier ("licence number
 *   …", "order …"), a house number ("lives at …", followed by a street word or a capitalised name),
 *   an amount (`$ 1 234 567`, `1 000 000`), an `AAA-GG-SSSS` SSN layout or a `3610-114` postcode.
 *
 * Dates (`2000-04-16`, `12/03/1985`), year ranges (`1999-2005`), IPv4-shaped and decimal numbers
 * are never phones. An extension (`x5184`, `ext. 12`) is included in the span. A run too long for
 * one number is split at spaces and slashes into windows of up to six groups; a run of more than
 * 24 groups (a table of figures) is not searched for phones.
 */
import { codeAt, isDigit } from './ascii.js';
import { nearby } from './nearby.js';
import { gluedRight, type NumericRun } from './numeric-runs.js';
import type { PhoneValidator } from './phone-regions.js';
import type { PiiMatch } from './pii-kinds.js';

const MIN_DIGITS = 7;
const MAX_DIGITS = 15;
const MAX_GROUPS = 6;
/** A run of more groups than this is a table of numbers, not a list of phones: not split. */
const MAX_SPLIT_GROUPS = 24;
const CONTEXT = /\b(?:phone|telephone|tel|mobile|cell|fax|call|calling|contact|whatsapp|sms|text me|ring|dial|hotline)(?![a-z])/i;
/** An identifier word just before the number ("licence number", "order #"): not a phone without a phone word. */
const ID_CONTEXT = /\b(?:licen[cs]e|passport|account|acct|order|invoice|ref|reference|id|ssn|routing|sort code|zip|postal|post ?code|isbn|serial|tracking|case|ticket|policy|member(?:ship)?|customer|employee|patient)\b[^.\n]{0,24}$/i;
/** An address just before the number ("lives at", "address:"): a house number, not a phone. */
const ADDRESS_BEFORE = /\b(?:lives at|located at|address(?: is)?:?|moved to|ship(?:ped)? to|deliver(?:ed)? to|is at)\s*$/i;
/** A street word within three words after the number: a house number, not a phone. */
const STREET_AFTER = /^,?\s+(?:[A-Z\u00C0-\u024F][\w\u00C0-\u024F'.-]*\s+){0,3}(?:st|str|street|rd|road|ave|avenue|blvd|boulevard|lane|ln|drive|dr|way|place|pl|court|ct|close|crescent|terrace|square|sq|highway|hwy|parkway|pkwy|route|suite|apt|strasse|stra\u00DFe|gasse|weg|platz|rue|via|viale|calle|avenida|rua|laan|straat|gade|vej|gatan|v\u00E4gen|t\u00E9r|utca)(?![\w\u00C0-\u024F])/i;
/** A capitalised word right after the number, other than a phone label: a house number before a street name. */
const NAME_AFTER = /^ (?!(?:Office|Fax|Mobile|Tel|Phone|Home|Work|Cell|Ext|Direct|Main)\b)[A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF]/;
/** A currency sign or word right next to the number: an amount, not a phone. */
const CURRENCY_BEFORE = /(?:[$€£¥₹]|\b(?:usd|eur|gbp|chf|jpy|inr))\s?$/i;
const CURRENCY_AFTER = /^\s?(?:[$€£¥₹]|(?:usd|eur|gbp|chf|jpy|inr|euros?|dollars?|pounds?)\b)/i;
const EXTENSION = /\s?(?:x|ext\.?|extension)\s?(\d{1,6})(?![0-9A-Za-z])/iy;
const DATE_YMD = /(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)/y;
const DATE_DMY = /(\d{1,2})[-./](\d{1,2})[-./](\d{4}|\d{2})(?!\d)/y;

/** A window of a run: groups `from`..`to`, with the text span it covers. */
interface Window {
  readonly start: number;
  readonly end: number;
  readonly from: number;
  readonly to: number;
}

function isDateAt(text: string, at: number): boolean {
  DATE_YMD.lastIndex = at;
  const ymd = DATE_YMD.exec(text);
  if (ymd !== null && Number(ymd[2]) >= 1 && Number(ymd[2]) <= 12 && Number(ymd[3]) >= 1 && Number(ymd[3]) <= 31) return true;
  DATE_DMY.lastIndex = at;
  const dmy = DATE_DMY.exec(text);
  if (dmy === null) return false;
  const a = Number(dmy[1]);
  const b = Number(dmy[2]);
  return a >= 1 && b >= 1 && ((a <= 31 && b <= 12) || (a <= 12 && b <= 31));
}

function size(run: NumericRun, k: number): number {
  const g = run.groups[k];
  return g === undefined ? 0 : g.end - g.start;
}

/** The joiners used between the groups of the window (`' '`, `'-'`, `'.'`, `'/'`, parentheses). */
function joiners(text: string, run: NumericRun, w: Window): string {
  let out = '';
  for (let k = w.from; k < w.to; k++) out += text.slice(run.groups[k]?.end ?? 0, run.groups[k + 1]?.start ?? 0);
  return out;
}

/** Shape rules that keep dates, versions, decimals and ranges out; true when the window may be a phone. */
function phoneShaped(text: string, run: NumericRun, w: Window): boolean {
  const groups = w.to - w.from + 1;
  if (groups > MAX_GROUPS) return false;
  for (let k = w.from; k <= w.to; k++) {
    const g = run.groups[k];
    if (g !== undefined && isDateAt(text, g.start)) return false;
  }
  const seps = joiners(text, run, w);
  if (seps.includes('.')) {
    // Dotted phones use dots throughout, in three or more groups of two or more digits.
    if (seps.replace(/\./g, '') !== '' || groups < 3) return false;
    for (let k = w.from; k <= w.to; k++) if (size(run, k) < 2) return false;
    if (groups === 4 && [0, 1, 2, 3].every((k) => size(run, w.from + k) <= 3)) return false;
  }
  if ((seps.match(/\//g) ?? []).length > 1) return false;
  // `AAA-GG-SSSS` is the SSN layout; one that fails the SSN rules is some other identifier.
  if (groups === 3 && seps === '--' && size(run, w.from) === 3 && size(run, w.from + 1) === 2 && size(run, w.to) === 4) return false;
  // Postal codes written with a dash: `3610-114` (PT), `75534-030` (BR).
  if (groups === 2 && seps === '-' && size(run, w.to) === 3 && size(run, w.from) >= 4) return false;
  if (groups === 2 && size(run, w.from) === 4 && size(run, w.to) === 4 && /^(?:19|20)\d\d$/.test(text.slice(run.groups[w.from]?.start ?? 0, run.groups[w.from]?.end ?? 0))) {
    return false;
  }
  return true;
}

function digitsIn(text: string, w: Window): string {
  let out = '';
  for (let i = w.start; i < w.end; i++) if (isDigit(text.charCodeAt(i))) out += text[i];
  return out;
}

/** Confidence for the window, or 0 when it is not a phone number. */
function judge(text: string, run: NumericRun, w: Window, validator: PhoneValidator): number {
  const digits = digitsIn(text, w);
  const plus = codeAt(text, w.start) === 0x2b;
  if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS + (plus ? 0 : 3)) return 0;
  if (!phoneShaped(text, run, w)) return 0;
  const context = nearby(text, w.start, w.end, CONTEXT);
  const idd = /^(?:00|011)[1-9]/.exec(digits);
  if (plus || idd !== null) {
    const verdict = validator.international(plus ? digits : digits.slice(idd?.[0].length === 4 ? 3 : 2));
    if (verdict === 'valid') return 0.9;
    if (verdict === 'possible' && digits.length >= 8) return plus ? 0.7 : 0.6;
    if (plus) return 0;
  }
  if (digits.length > MAX_DIGITS) return 0;
  const single = w.from === w.to && codeAt(text, w.start) !== 0x28;
  if (single && !context) return 0;
  if (!context && notPhone(text, run, w)) return 0;
  if (!validator.national(digits)) return 0;
  return context ? 0.85 : 0.7;
}

/** Without a phone word nearby: identifiers, house numbers, amounts and `1 000 000` are not phones. */
function notPhone(text: string, run: NumericRun, w: Window): boolean {
  if (nearby(text, w.start, w.end, ID_CONTEXT, 40, 0) || nearby(text, w.start, w.end, ADDRESS_BEFORE, 24, 0)) return true;
  const after = text.slice(w.end, w.end + 64);
  if (STREET_AFTER.test(after) || NAME_AFTER.test(after)) return true;
  if (CURRENCY_BEFORE.test(text.slice(Math.max(0, w.start - 5), w.start)) || CURRENCY_AFTER.test(text.slice(w.end, w.end + 9))) return true;
  // Thousands grouped with spaces or dots: one digit, then groups of exactly three.
  if (size(run, w.from) === 1 && w.to > w.from) {
    let thousands = true;
    for (let k = w.from + 1; k <= w.to; k++) if (size(run, k) !== 3) thousands = false;
    if (thousands) return true;
  }
  return false;
}


/** The window `from`..`to` of `run`, with a leading `+` or `(` kept when it starts the run. */
function windowOf(run: NumericRun, from: number, to: number, text: string): Window | undefined {
  const first = run.groups[from];
  const last = run.groups[to];
  if (first === undefined || last === undefined) return undefined;
  let start = from === 0 ? run.start : first.start;
  if (from > 0 && codeAt(text, start - 1) === 0x28) start--;
  let end = to === run.groups.length - 1 ? run.end : last.end;
  if (codeAt(text, end) === 0x29 && codeAt(text, start) === 0x28 && end === last.end) end++;
  return { start, end, from, to };
}

/** True when the text between groups `k` and `k + 1` lets a window start or stop there. */
function softBreak(text: string, run: NumericRun, k: number): boolean {
  const sep = text.slice(run.groups[k]?.end ?? 0, run.groups[k + 1]?.start ?? 0);
  return sep === ' ' || sep === '/';
}

function emit(text: string, w: Window, confidence: number, out: PiiMatch[]): void {
  EXTENSION.lastIndex = w.end;
  const ext = EXTENSION.exec(text);
  out.push({ kind: 'PHONE', start: w.start, end: ext === null ? w.end : EXTENSION.lastIndex, confidence });
}

function extensionOrFree(text: string, end: number): boolean {
  if (!gluedRight(text, end)) return true;
  EXTENSION.lastIndex = end;
  return EXTENSION.test(text);
}

/** Splits a run with too many digits for one number into windows at spaces and slashes. */
function splitRun(text: string, run: NumericRun, validator: PhoneValidator, out: PiiMatch[]): void {
  let from = 0;
  while (from < run.groups.length) {
    let found = false;
    if (from === 0 || softBreak(text, run, from - 1)) {
      let digits = 0;
      let to = from;
      while (to < run.groups.length && to - from < MAX_GROUPS && digits + size(run, to) <= MAX_DIGITS) digits += size(run, to++);
      for (let last = to - 1; last >= from && !found; last--) {
        if (last < run.groups.length - 1 && !softBreak(text, run, last)) continue;
        const w = windowOf(run, from, last, text);
        const confidence = w === undefined ? 0 : judge(text, run, w, validator);
        if (w !== undefined && confidence > 0 && extensionOrFree(text, w.end)) {
          emit(text, w, confidence, out);
          from = last + 1;
          found = true;
        }
      }
    }
    if (!found) from++;
  }
}

/** Phone numbers among the numeric runs of `text`. */
export function findPhones(text: string, runs: readonly NumericRun[], validator: PhoneValidator): PiiMatch[] {
  const out: PiiMatch[] = [];
  for (const run of runs) {
    if (run.digits < MIN_DIGITS) continue;
    if (run.digits > MAX_DIGITS + 3) {
      if (run.groups.length <= MAX_SPLIT_GROUPS) splitRun(text, run, validator, out);
      continue;
    }
    const w = windowOf(run, 0, run.groups.length - 1, text);
    if (w === undefined || !extensionOrFree(text, w.end)) continue;
    const confidence = judge(text, run, w, validator);
    if (confidence > 0) emit(text, w, confidence, out);
  }
  return out;
}
