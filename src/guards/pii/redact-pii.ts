/**
 * Redaction that keeps a text readable. Style `label` replaces each finding with a numbered
 * placeholder per kind, `[EMAIL_1]`, `[EMAIL_2]`, …, where the same value (compared in a canonical
 * form: digits of a card or phone, lower-cased e-mail) gets the same label everywhere in the text.
 * Style `mask` keeps the shape and the least identifying part: `j***@example.com`,
 * `**** **** **** 4242`, `***-**-6789`, `GB** **** **** **** **54 32`, `***-***-**71`. Works on findings of any
 * detector; kinds it does not know are masked whole. Overlapping findings are merged so nothing
 * inside either leaks; findings outside the text are ignored.
 */
import type { Finding } from '../finding.js';
import { isAlnum, isDigit } from './ascii.js';
import { normalizeText } from './normalize-text.js';

/** How {@link redactPii} rewrites a finding. */
export type RedactionStyle = 'label' | 'mask';

interface Span {
  readonly start: number;
  end: number;
  readonly kind: string;
}

/** Findings inside the text, sorted, with overlapping ones merged (the first one's kind kept). */
function mergedSpans(text: string, findings: readonly Finding[]): Span[] {
  const valid = findings
    .filter((f) => Number.isInteger(f.start) && Number.isInteger(f.end) && f.start >= 0 && f.end <= text.length && f.start < f.end)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const spans: Span[] = [];
  for (const f of valid) {
    const last = spans[spans.length - 1];
    if (last !== undefined && f.start < last.end) last.end = Math.max(last.end, f.end);
    else spans.push({ start: f.start, end: f.end, kind: f.kind });
  }
  return spans;
}

/** The value as compared for labels: obfuscation removed, then a per-kind canonical form. */
export function canonical(kind: string, value: string): string {
  const plain = normalizeText(value).text;
  switch (kind) {
    case 'PHONE':
    case 'CREDIT_CARD':
    case 'US_SSN':
      return plain.replace(/\D/g, '');
    case 'EMAIL':
    case 'IBAN':
    case 'IP_ADDRESS':
      return plain.replace(/\s/g, '').toLowerCase();
    default:
      return plain;
  }
}

/** Masks the digits of `value` except the last `keep`, keeping separators. */
function maskDigits(value: string, keep: number): string {
  let total = 0;
  for (let i = 0; i < value.length; i++) if (isDigit(value.charCodeAt(i))) total++;
  let seen = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (!isDigit(value.charCodeAt(i))) {
      out += c;
      continue;
    }
    seen++;
    out += seen > total - keep ? c : '*';
  }
  return out;
}

function maskCard(value: string): string {
  if (/\D/.test(value)) return maskDigits(value, 4);
  const masked = maskDigits(value, 4);
  // `4242424242424242` → `**** **** **** 4242`: groups of four, the last group holding the kept four.
  const groups: string[] = [];
  for (let end = masked.length; end > 0; end -= 4) groups.unshift(masked.slice(Math.max(0, end - 4), end));
  return groups.join(' ');
}

function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) return maskAll(value);
  return `${value[0] ?? ''}***${value.slice(at)}`;
}

function maskIban(value: string): string {
  let alnum = 0;
  for (let i = 0; i < value.length; i++) if (isAlnum(value.charCodeAt(i))) alnum++;
  let seen = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (!isAlnum(value.charCodeAt(i))) {
      out += c;
      continue;
    }
    seen++;
    out += seen <= 2 || seen > alnum - 4 ? c : '*';
  }
  return out;
}

function maskIp(value: string): string {
  const sep = value.includes(':') ? ':' : '.';
  const parts = value.split(sep);
  return parts.map((p, i) => (i === 0 || p === '' ? p : p.replace(/[0-9A-Fa-f]/g, '*'))).join(sep);
}

function maskBirthDate(value: string): string {
  // Keep a four-digit year: the date's day and month are what identify a person.
  return value.replace(/\b(\d{4})\b|[A-Za-z0-9]/g, (m, year: string | undefined) => year ?? '*'.repeat(m.length));
}

function maskAll(value: string): string {
  return value.replace(/\S/g, '*');
}

/** The masked form of one value of `kind`: its shape and least identifying part kept. */
export function mask(kind: string, value: string): string {
  const plain = normalizeText(value).text;
  switch (kind) {
    case 'EMAIL':
      return maskEmail(plain);
    case 'CREDIT_CARD':
      return maskCard(plain);
    case 'US_SSN':
      return maskDigits(plain, 4);
    case 'PHONE':
      return maskDigits(plain, 2);
    case 'IBAN':
      return maskIban(plain);
    case 'IP_ADDRESS':
      return maskIp(plain);
    case 'DATE_OF_BIRTH':
      return maskBirthDate(plain);
    default:
      return maskAll(plain);
  }
}

/**
 * Returns `text` with every finding replaced in the given style. Pure; never throws on findings
 * that do not fit the text (they are skipped).
 */
export function redactPii(text: string, findings: readonly Finding[], style: RedactionStyle): string {
  const labels = new Map<string, string>();
  const counts = new Map<string, number>();
  const parts: string[] = [];
  let at = 0;
  for (const span of mergedSpans(text, findings)) {
    const value = text.slice(span.start, span.end);
    parts.push(text.slice(at, span.start));
    if (style === 'mask') {
      parts.push(mask(span.kind, value));
    } else {
      const key = `${span.kind}\u0000${canonical(span.kind, value)}`;
      let label = labels.get(key);
      if (label === undefined) {
        const n = (counts.get(span.kind) ?? 0) + 1;
        counts.set(span.kind, n);
        label = `[${span.kind}_${n}]`;
        labels.set(key, label);
      }
      parts.push(label);
    }
    at = span.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}
