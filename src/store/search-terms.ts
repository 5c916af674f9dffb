/**
 * Turns free text from an agent into plain search terms: letters and digits only, so no query
 * syntax of either engine (FTS5 operators, tsquery operators) can be smuggled in.
 */
const MAX_TERMS = 32;

export function ftsTerms(query: string): string[] {
  const words = query.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].filter((w) => w.length <= 64).slice(0, MAX_TERMS);
}
