/**
 * Dates of birth: a full date (day, month and year) that follows a birth word — "born", "DOB",
 * "D.O.B.", "date of birth", "birth date", "birthdate", "birthday" — within a few characters of
 * text (`:`, `is`, `on`, `. It's`, …). Numeric (`12/03/1985`, `1985-03-12`, `12.03.85`) and written
 * (`March 12, 1985`, `12th of March 1985`) forms are read; a bare year ("born in 1977") is not a
 * date of birth here. Only the date is reported, not the birth word.
 */
import { codeAt, isAlnum, isDigit } from './ascii.js';
import type { PiiMatch } from './pii-kinds.js';

const KEYWORD = /\b(?:born|d\.?o\.?b\b\.?|date of birth|birth[ -]?date|birthday)/gi;
/** How far after the birth word the date may start ("date of birth. It's 6/24/1991"). */
const LOOKAHEAD = 40;

const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const DAY = '(\\d{1,2})(?:st|nd|rd|th)?';
const FORMS: readonly [RegExp, 'ymd' | 'dmy' | 'mdy-text' | 'dmy-text'][] = [
  [/^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/, 'ymd'],
  [/^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)/, 'dmy'],
  [new RegExp(`^${MONTH}\\s+${DAY},?\\s+(\\d{4})(?!\\d)`, 'i'), 'mdy-text'],
  [new RegExp(`^${DAY}\\s+(?:of\\s+)?${MONTH},?\\s+(\\d{4})(?!\\d)`, 'i'), 'dmy-text'],
];

function plausible(day: number, month: number, year: number): boolean {
  const fullYear = year < 100 ? 1900 + year : year;
  return day >= 1 && day <= 31 && month >= 1 && month <= 12 && fullYear >= 1880 && fullYear <= 2100;
}

function monthOf(name: string): number {
  const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
  return months.indexOf(name.slice(0, 3).toLowerCase()) + 1;
}

/** Length of the date at the start of `s`, or 0. */
function dateLength(s: string): number {
  for (const [pattern, form] of FORMS) {
    const m = pattern.exec(s);
    if (m === null) continue;
    const [, a = '', b = '', c = ''] = m;
    let ok = false;
    if (form === 'ymd') ok = plausible(Number(c), Number(b), Number(a));
    else if (form === 'dmy') ok = plausible(Number(a), Number(b), Number(c)) || plausible(Number(b), Number(a), Number(c));
    else if (form === 'mdy-text') ok = plausible(Number(b), monthOf(a), Number(c));
    else ok = plausible(Number(a), monthOf(b), Number(c));
    if (ok) return m[0].length;
  }
  return 0;
}

/** Letters a written date can start with (a month name), besides digits. */
const MONTH_INITIAL = /[adfjmnos]/i;

/** Dates of birth in `text`. Each position is tried as a date start at most once. */
export function findBirthDates(text: string): PiiMatch[] {
  const out: PiiMatch[] = [];
  let tried = 0;
  KEYWORD.lastIndex = 0;
  for (let m = KEYWORD.exec(text); m !== null; m = KEYWORD.exec(text)) {
    const after = m.index + m[0].length;
    const limit = Math.min(after + LOOKAHEAD, text.length);
    for (let start = Math.max(after, tried); start < limit; start++) {
      tried = start + 1;
      const code = text.charCodeAt(start);
      if (!(isDigit(code) || MONTH_INITIAL.test(text[start] ?? '')) || isAlnum(codeAt(text, start - 1))) continue;
      const length = dateLength(text.slice(start, start + LOOKAHEAD));
      // The first number after the birth word must be the date ("born in 1977; … 12/03/2024" is not).
      if (length === 0 && isDigit(code)) break;
      if (length === 0) continue;
      out.push({ kind: 'DATE_OF_BIRTH', start, end: start + length, confidence: 0.85 });
      KEYWORD.lastIndex = start + length;
      tried = start + length;
      break;
    }
  }
  return out;
}
