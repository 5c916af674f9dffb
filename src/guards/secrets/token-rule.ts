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
  /** The text must contain one of these (case-sensitive) for the pattern to run. */
  readonly needles: readonly string[];
  /** Global pattern; the whole match is the secret. */
  readonly pattern: RegExp;
  readonly confidence: number;
  /** Runs after the built-in fake-value check; see {@link RuleCheck}. */
  readonly check?: RuleCheck;
  /** Skip the fake-value check (formats that are mostly fixed characters). */
  readonly allowRegular?: boolean;
}

/** Not preceded by a token character (letters, digits, `_`). */
export const B = '(?<![A-Za-z0-9_])';
/** Not preceded by a token character or `-`. */
export const BD = '(?<![A-Za-z0-9_-])';
/** Not followed by a token character (letters, digits, `_`). */
export const E = '(?![A-Za-z0-9_])';
/** Not followed by a token character or `-`. */
export const ED = '(?![A-Za-z0-9_-])';

/** Builds a rule; `source` is compiled once with the `g` flag. */
export function rule(
  kind: SecretKind,
  confidence: number,
  needles: readonly string[],
  source: string,
  extra: { check?: RuleCheck; allowRegular?: boolean; flags?: string } = {},
): TokenRule {
  const pattern = new RegExp(source, `g${extra.flags ?? ''}`);
  return {
    kind,
    confidence,
    needles,
    pattern,
    ...(extra.check ? { check: extra.check } : {}),
    ...(extra.allowRegular ? { allowRegular: true } : {}),
  };
}

/** A check that keeps matches containing at least one letter and one digit. */
export const needsLetterAndDigit: RuleCheck = (value) => /[A-Za-z]/.test(value) && /\d/.test(value);
