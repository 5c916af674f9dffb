/**
 * Runs the format rules over a text. A rule's pattern runs only where one of its needles occurs
 * (found for all rules at once by the anchor pass, anchor-scan.ts), or, for the few formats with
 * no literal to anchor on, at the long token runs of the text. Matches that look made up (masked,
 * one character repeated, a few distinct characters) are dropped unless the rule allows regular
 * values.
 *
 * Linear: sticky patterns are bounded and tried a fixed number of times per needle; searched
 * patterns resume past their last match and stop at the first failed search.
 */
import { AnchorTable, type ScanResult } from './anchor-scan.js';
import { CLOUD_RULES } from './cloud-rules.js';
import { SAAS_RULES } from './saas-rules.js';
import type { SecretMatch } from './secret-kinds.js';
import { looksFake } from './secret-value.js';
import type { TokenRule } from './token-rule.js';
import { VENDOR_RULES } from './vendor-rules.js';

/** The shortest token run the rules need reported (a 14-character vendor value). */
export const MIN_RUN = 14;

/** Every format rule, cloud, SaaS and vendor. */
export const PROVIDER_RULES: readonly TokenRule[] = [...CLOUD_RULES, ...SAAS_RULES, ...VENDOR_RULES];

function confidenceOf(rule: TokenRule, value: string, text: string, start: number): number | null {
  if (!rule.allowRegular && looksFake(value)) return null;
  if (!rule.check) return rule.confidence;
  const verdict = rule.check(value, text, start);
  if (verdict === false) return null;
  return verdict === true ? rule.confidence : verdict;
}

function record(rule: TokenRule, m: RegExpExecArray, text: string, out: SecretMatch[]): void {
  const group = rule.group ?? 0;
  const value = m[group] ?? '';
  const start = group === 0 ? m.index : (m.indices?.[group]?.[0] ?? -1);
  if (value.length === 0 || start < 0) return;
  const confidence = confidenceOf(rule, value, text, start);
  if (confidence !== null) out.push({ kind: rule.kind, start, end: start + value.length, confidence });
}

/** Tries a sticky pattern at `at`; returns the match's end, or -1. */
function tryAt(rule: TokenRule, text: string, at: number, out: SecretMatch[]): number {
  if (at < 0 || at >= text.length) return -1;
  const re = rule.pattern;
  re.lastIndex = at;
  const m = re.exec(text);
  if (m === null) return -1;
  record(rule, m, text, out);
  return m.index + Math.max(1, m[0].length);
}

/** Searches forward from `from`; returns the match's end, or -1 when there is none left. */
function searchFrom(rule: TokenRule, text: string, from: number, out: SecretMatch[]): number {
  const re = rule.pattern;
  re.lastIndex = Math.max(0, from);
  const m = re.exec(text);
  if (m === null) return -1;
  record(rule, m, text, out);
  return m.index + Math.max(1, m[0].length);
}

const NEAR_OFFSETS: readonly number[] = [0];

/** Runs one rule at its needle positions (ascending) or at the runs. */
function runRule(rule: TokenRule, text: string, positions: readonly number[], runs: readonly number[], out: SecretMatch[]): void {
  const anchor = rule.anchor;
  let covered = 0;
  if (anchor.type === 'runs') {
    for (let r = 0; r < runs.length; r += 2) {
      const start = runs[r] ?? 0;
      if (start >= covered) covered = Math.max(covered, tryAt(rule, text, start, out));
    }
    return;
  }
  for (const p of positions) {
    if (p < covered) continue;
    if (anchor.type === 'search') {
      const end = searchFrom(rule, text, Math.max(covered, p - anchor.back), out);
      if (end < 0) return;
      covered = end;
    } else if (anchor.type === 'after') {
      const needle = rule.needles.find((n) => text.startsWith(n, p)) ?? '';
      covered = Math.max(covered, tryAt(rule, text, p + needle.length, out));
    } else {
      for (const offset of anchor.type === 'at' ? anchor.offsets : NEAR_OFFSETS) {
        if (p - offset < covered) continue;
        const end = tryAt(rule, text, p - offset, out);
        if (end >= 0) {
          covered = end;
          break;
        }
      }
    }
  }
}

/**
 * A rule set prepared for matching: which rules run on long token runs, and which vendor names
 * (lower-cased) start which `near` rules.
 */
export class RuleSet {
  readonly runRules: readonly number[];
  private readonly nearRules = new Map<string, number[]>();
  /** Vendor names by their first two characters, `(c0 << 7) | c1`. */
  private readonly byPair = new Map<number, string[]>();
  private readonly pairs = new Uint8Array(1 << 14);

  constructor(
    readonly rules: readonly TokenRule[],
    /** Rule `i`'s needles are reported under anchor id `base + i`. */
    readonly base: number,
  ) {
    this.runRules = rules.flatMap((r, i) => (r.anchor.type === 'runs' ? [i] : []));
    rules.forEach((r, i) => {
      if (r.anchor.type !== 'near') return;
      for (const name of r.anchor.names) this.nearRules.set(name, [...(this.nearRules.get(name) ?? []), i]);
    });
    for (const name of this.nearRules.keys()) {
      const key = (name.charCodeAt(0) << 7) | name.charCodeAt(1);
      this.byPair.set(key, [...(this.byPair.get(key) ?? []), name]);
      this.pairs[key] = 1;
    }
  }

  /** Anchor literals of the rules' needles. */
  anchors(): { id: number; literal: string }[] {
    return this.rules.flatMap((r, i) => r.needles.map((literal) => ({ id: this.base + i, literal })));
  }

  /** Every match in `text`, given the anchor pass over it. */
  match(text: string, scan: ScanResult, out: SecretMatch[]): void {
    const { rules, base } = this;
    for (const [id, positions] of scan.hits) {
      const rule = rules[id - base];
      if (rule !== undefined) runRule(rule, text, positions, scan.runs, out);
    }
    if (scan.runs.length === 0) return;
    for (const i of this.runRules) {
      const rule = rules[i];
      if (rule !== undefined) runRule(rule, text, [], scan.runs, out);
    }
    for (const [i, positions] of this.vendorNames(text, scan.runs)) {
      const rule = rules[i];
      if (rule !== undefined) runRule(rule, text, positions, scan.runs, out);
    }
  }

  /** Positions of vendor names in the 48 characters before each run holding a digit, per rule. */
  private vendorNames(text: string, runs: readonly number[]): Map<number, number[]> {
    const found = new Map<number, number[]>();
    if (this.byPair.size === 0) return found;
    const pairs = this.pairs;
    let from = 0;
    for (let r = 0; r < runs.length; r += 2) {
      const start = runs[r] ?? 0;
      if (!hasDigit(text, start, Math.min(runs[r + 1] ?? 0, start + 64))) continue;
      for (let p = Math.max(from, start - 48); p < start - 1; p++) {
        const key = (lower(text.charCodeAt(p)) << 7) | lower(text.charCodeAt(p + 1));
        if (pairs[key] === 0) continue;
        const names = this.byPair.get(key);
        if (names === undefined) continue;
        for (const name of names) {
          if (!isNamePart(text, p, name)) continue;
          for (const i of this.nearRules.get(name) ?? []) {
            const list = found.get(i);
            if (list === undefined) found.set(i, [p]);
            else if ((list[list.length - 1] ?? -1) < p) list.push(p);
          }
        }
      }
      from = start;
    }
    return found;
  }
}

/** An ASCII letter in lower case; other characters as they are (non-ASCII as 0). */
function lower(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c | 0x20;
  return c < 128 ? c : 0;
}

/**
 * Whether vendor name `name` (lower case) is at `at`, spelled as a word of a key name: all lower,
 * all upper or capitalised, and not the tail of another word (`CameraKit` holds no `meraki`):
 * after a non-letter, or after a lower-case letter when it starts with a capital (`corpOkta`).
 */
function isNamePart(text: string, at: number, name: string): boolean {
  const word = text.slice(at, at + name.length);
  const lowerCase = word.toLowerCase();
  if (lowerCase !== name) return false;
  const capital = word.charAt(0).toUpperCase() + lowerCase.slice(1);
  // Short names must be spelled as one word (`sumObj` is no `sumo`); longer ones may be camelCase (`apiKey`).
  if (name.length < 6 && word !== lowerCase && word !== word.toUpperCase() && word !== capital) return false;
  const before = text.charCodeAt(at - 1);
  const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
  const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
  if (!isUpper(before) && !isLower(before)) return true;
  return isLower(before) && isUpper(word.charCodeAt(0));
}

function hasDigit(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) return true;
  }
  return false;
}

let own: { set: RuleSet; table: AnchorTable } | undefined;

/** Every match of every format rule, overlaps included (the detector resolves them). */
export function findProviderTokens(text: string): SecretMatch[] {
  if (own === undefined) {
    const set = new RuleSet(PROVIDER_RULES, 0);
    own = { set, table: new AnchorTable(set.anchors(), MIN_RUN) };
  }
  const out: SecretMatch[] = [];
  own.set.match(text, own.table.scan(text), out);
  return out;
}
