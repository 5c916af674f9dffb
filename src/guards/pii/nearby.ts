/**
 * Context words near a candidate: a bounded window of text before and after it, so that checking
 * costs a constant per candidate and the scan stays linear.
 */

/** Characters looked at before a candidate. */
export const BEFORE = 48;
/** Characters looked at after a candidate. */
export const AFTER = 24;

/**
 * True when `pattern` (case-insensitive, no global flag) matches within `before` characters
 * before `start` or `after` characters after `end`.
 */
export function nearby(text: string, start: number, end: number, pattern: RegExp, before = BEFORE, after = AFTER): boolean {
  const left = text.slice(Math.max(0, start - before), start);
  if (pattern.test(left)) return true;
  return after > 0 && pattern.test(text.slice(end, end + after));
}
