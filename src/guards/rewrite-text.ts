/**
 * Rewrites text where guards decided to redact, mask or strip. One LabelBook per result keeps
 * labels consistent across everything the result holds (its text and every field of its
 * structured form): the same e-mail address is `[EMAIL_1]` everywhere. Overlapping edits merge,
 * the first one's replacement kept, so nothing inside either leaks.
 */
import type { Finding, GuardAction } from './finding.js';
import { canonical, mask } from './pii/redact-pii.js';

/** Placeholder of a stripped suspected instruction. */
export const STRIPPED = '[removed by Gatehouse: suspected instruction]';

export class LabelBook {
  private readonly labels = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  label(kind: string, value: string): string {
    const key = `${kind}\u0000${canonical(kind, value)}`;
    let label = this.labels.get(key);
    if (label === undefined) {
      const n = (this.counts.get(kind) ?? 0) + 1;
      this.counts.set(kind, n);
      label = `[${kind}_${n}]`;
      this.labels.set(key, label);
    }
    return label;
  }
}

/** What replaces a finding's text under `action`, or undefined when the text stays. */
export function replacementFor(finding: Finding, action: GuardAction, value: string, book: LabelBook): string | undefined {
  if (finding.detector === 'secrets' && (action === 'redact' || action === 'mask')) return `[SECRET:${finding.kind}]`;
  if (action === 'redact') return book.label(finding.kind, value);
  if (action === 'mask') return mask(finding.kind, value);
  if (action === 'strip') return STRIPPED;
  return undefined;
}

export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

/** `text` with the edits applied; out-of-range edits are clipped, overlapping ones merged. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return text;
  const sorted = [...edits].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    const start = Math.max(0, Math.min(text.length, edit.start));
    const end = Math.min(text.length, edit.end);
    if (start < at || end <= start) {
      // Inside an earlier edit (or empty): that edit's replacement already covers it.
      at = Math.max(at, end);
      continue;
    }
    out += text.slice(at, start) + edit.replacement;
    at = end;
  }
  return out + text.slice(at);
}
