/**
 * Redaction: every finding's span is replaced by `[SECRET:KIND]`, the text around it kept as it
 * was. Overlapping or touching spans become one placeholder named after the first. Spans outside
 * the text are clipped; empty or malformed ones are ignored, so redaction never throws.
 */
import type { Finding } from '../finding.js';

interface Span {
  start: number;
  end: number;
  kind: string;
}

function placeholder(kind: string): string {
  return `[SECRET:${/^[A-Z0-9_]{1,64}$/.test(kind) ? kind : 'SECRET'}]`;
}

function validSpans(text: string, findings: readonly Finding[]): Span[] {
  const spans: Span[] = [];
  for (const f of findings) {
    if (typeof f !== 'object' || f === null) continue;
    const { start, end, kind } = f;
    if (!Number.isInteger(start) || !Number.isInteger(end)) continue;
    const s = Math.max(0, start);
    const e = Math.min(text.length, end);
    if (e > s) spans.push({ start: s, end: e, kind: typeof kind === 'string' ? kind : 'SECRET' });
  }
  return spans.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** `text` with each finding's span replaced by `[SECRET:KIND]`. */
export function redactSecrets(text: string, findings: readonly Finding[]): string {
  if (typeof text !== 'string' || !Array.isArray(findings) || findings.length === 0) return text;
  const merged: Span[] = [];
  for (const span of validSpans(text, findings)) {
    const last = merged[merged.length - 1];
    if (last !== undefined && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  let out = '';
  let at = 0;
  for (const span of merged) {
    out += text.slice(at, span.start) + placeholder(span.kind);
    at = span.end;
  }
  return out + text.slice(at);
}
