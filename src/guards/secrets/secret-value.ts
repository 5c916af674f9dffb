/**
 * Checks on a candidate secret value, shared by the scanners: Shannon entropy, placeholders and
 * documentation values (`${TOKEN}`, `<your-key>`, `xxxx`, `EXAMPLE`), and values too regular to be
 * issued by anyone (one character repeated, a handful of distinct characters). All are linear in
 * the value's length, and values are bounded by the scanners that pass them in.
 */

const COUNTS = new Uint32Array(128);

/** Shannon entropy of `value` in bits per character (0 for an empty string). */
export function shannonEntropy(value: string): number {
  const n = value.length;
  if (n === 0) return 0;
  let other: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 128) COUNTS[c] = (COUNTS[c] as number) + 1;
    else (other ??= new Map()).set(c, (other.get(c) ?? 0) + 1);
  }
  let bits = 0;
  const add = (count: number): void => {
    const p = count / n;
    bits -= p * Math.log2(p);
  };
  // Visit each ASCII character once, resetting the shared counts as we go.
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128) continue;
    const count = COUNTS[c] as number;
    if (count !== 0) {
      add(count);
      COUNTS[c] = 0;
    }
  }
  if (other !== undefined) for (const count of other.values()) add(count);
  return bits;
}

/** Which character classes a value uses. */
export interface CharClasses {
  readonly lower: number;
  readonly upper: number;
  readonly digit: number;
  readonly other: number;
}

/** Counts lower-case and upper-case ASCII letters, digits and everything else. */
export function charClasses(value: string): CharClasses {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) lower++;
    else if (c >= 0x41 && c <= 0x5a) upper++;
    else if (c >= 0x30 && c <= 0x39) digit++;
    else other++;
  }
  return { lower, upper, digit, other };
}

/** Length of the longest run of one repeated character. */
export function longestRun(value: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < value.length; i++) {
    run = i > 0 && value.charCodeAt(i) === value.charCodeAt(i - 1) ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

const SEEN = new Uint8Array(128);

/** Distinct characters, separators (`- _ . ~`) left out. */
function distinctChars(value: string): number {
  let distinct = 0;
  let other: Set<number> | undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e) continue;
    if (c >= 128) (other ??= new Set()).add(c);
    else if (SEEN[c] === 0) {
      SEEN[c] = 1;
      distinct++;
    }
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 128) SEEN[c] = 0;
  }
  return distinct + (other?.size ?? 0);
}

const DOC_MARKERS = /example|sample|dummy|placeholder|changeme|change_me|redacted|your[_\-. ]?|xxxxx|\*\*\*|\.\.\.|<[^<>]{0,64}>|\$\{|\{\{|%\([a-z_]+\)[sd]|%s\b|\$\(/i;

/**
 * True for values that stand for a secret instead of being one: template and variable references,
 * documentation markers, masked values. Case-insensitive on the markers.
 */
export function isPlaceholder(value: string): boolean {
  if (value.length === 0) return true;
  const first = value.charCodeAt(0);
  // $VAR, ${VAR}, %VAR%, {name}, [name], <name>, @Value, `cmd`
  if (first === 0x24 || first === 0x7b || first === 0x5b || first === 0x3c || first === 0x60) return true;
  if (first === 0x25 && value.endsWith('%')) return true;
  if (DOC_MARKERS.test(value)) return true;
  // An environment variable's name stands in for its value: SOME_PASSWORD, NPM_TOKEN.
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(value) && !/\d{3}/.test(value)) return true;
  return false;
}

/**
 * True for values no issuer hands out: masked (`xxxx`), one character repeated for a quarter of
 * the value, or fewer than five distinct characters in twelve or more.
 */
export function looksFake(value: string): boolean {
  const run = longestRun(value);
  if (run >= 6 && run * 4 >= value.length) return true;
  if (value.length >= 12 && distinctChars(value) < 5) return true;
  return /x{5}|X{5}|\*{3}|EXAMPLE|example/.test(value);
}
