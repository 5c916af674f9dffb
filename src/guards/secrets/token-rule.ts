/**
 * A format rule: an issuer's documented token shape, a literal that must occur in the text before
 * the pattern runs at all, and an optional check on what matched.
 *
 * Patterns stay linear: each starts at a boundary (a look-behind that fails inside a run of token
 * characters, so a run is entered once), every quantifier is bounded, and the fixed prefix comes
 * first. The whole match is the secret; context that is not part of it sits in look-arounds.
 */
import type { SecretKind } from './secret-kinds.js';

/** A check on a match: false drops it, true keeps the rule's confidence, a number replaces it. */
export type RuleCheck = (value: string, text: string, start: number) => boolean | number;

/** One issuer format: what to look for, what it is, and how sure a match makes us. */
export interface TokenRule {
  readonly kind: SecretKind;
  /**
   * Literals (two or more characters, case-sensitive) one of which every match contains; the
   * pattern runs only where one occurs (see {@link RuleAnchor}). Empty for rules tried on long
   * token runs instead.
   */
  readonly needles: readonly string[];
  /** Where the pattern is tried relative to a needle. */
  readonly anchor: RuleAnchor;
  /** Sticky pattern (for `search` anchors and runs, global); the whole match is the secret. */
  readonly pattern: RegExp;
  readonly confidence: number;
  /** Runs after the built-in fake-value check; see {@link RuleCheck}. */
  readonly check?: RuleCheck;
  /** Skip the fake-value check (formats that are mostly fixed characters). */
  readonly allowRegular?: boolean;
  /** The capture group that is the secret (context rules); the whole match when absent. */
  readonly group?: number;
}

/**
 * Where a rule's pattern is tried:
 * - `at`: sticky at each offset (characters before the needle; 0 when the match starts with it);
 * - `after`: sticky right after the needle (the needle is context in a look-behind);
 * - `search`: searched forward from `back` characters before the needle (variable context);
 * - `runs`: sticky at the start of each long token run (formats with no literal to anchor on);
 * - `near`: sticky at a vendor name (any case) found in the 48 characters before a long token run
 *   that holds a digit (the value's side is checked first: names are common words, values rare).
 */
export type RuleAnchor =
  | { readonly type: 'at'; readonly offsets: readonly number[] }
  | { readonly type: 'after' }
  | { readonly type: 'search'; readonly back: number }
  | { readonly type: 'runs' }
  | { readonly type: 'near'; readonly names: readonly string[] };

/** Not preceded by a token character (letters, digits, `_`). */
export const B = '(?<![A-Za-z0-9_])';
/** Not preceded by a token character or `-`. */
export const BD = '(?<![A-Za-z0-9_-])';
/** Not followed by a token character (letters, digits, `_`). */
export const E = '(?![A-Za-z0-9_])';
/** Not followed by a token character or `-`. */
export const ED = '(?![A-Za-z0-9_-])';

/** Builds a rule; `source` is compiled once (sticky, or global for searched rules). */
export function rule(
  kind: SecretKind,
  confidence: number,
  needles: readonly string[],
  source: string,
  extra: { check?: RuleCheck; allowRegular?: boolean; flags?: string; anchor?: RuleAnchor; group?: number } = {},
): TokenRule {
  const anchor: RuleAnchor = extra.anchor ?? { type: 'at', offsets: [0] };
  const sticky = anchor.type !== 'search';
  const pattern = new RegExp(source, `${sticky ? 'y' : 'g'}${extra.group !== undefined ? 'd' : ''}${extra.flags ?? ''}`);
  return {
    kind,
    confidence,
    needles,
    anchor,
    pattern,
    ...(extra.check ? { check: extra.check } : {}),
    ...(extra.allowRegular ? { allowRegular: true } : {}),
    ...(extra.group !== undefined ? { group: extra.group } : {}),
  };
}

/** Anchors for rules whose needle is context before the match, or sits inside it. */
export const AFTER: RuleAnchor = { type: 'after' };
export const back = (...offsets: number[]): RuleAnchor => ({ type: 'at', offsets });
export const search = (chars = 0): RuleAnchor => ({ type: 'search', back: chars });
export const ON_RUNS: RuleAnchor = { type: 'runs' };

/** A check that keeps matches containing at least one letter and one digit. */
export const needsLetterAndDigit: RuleCheck = (value) => /[A-Za-z]/.test(value) && /\d/.test(value);
