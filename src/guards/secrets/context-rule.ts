/**
 * Context rules: credentials that production scanners (noseyparker, gitleaks, trufflehog,
 * detect-secrets) recognise by the syntax around them rather than by a token prefix — a password
 * on a command line (`sshpass -p …`), in a config file (`.netrc`, `.pgpass`, `.npmrc`), in a
 * connection string (`Password=…;`) or in a call (`HTTPBasicAuth('u', '…')`).
 *
 * Each rule names the literals it starts at (found by the one anchor pass, anchor-scan.ts) and
 * looks at a bounded window from each occurrence. Its `run` returns where the next occurrence may
 * be looked at: past what it read when it read a whole line or block, so a text is read a bounded
 * number of times however many anchors it holds.
 *
 * This file also holds what the rules share: the judgement of a literal password and a reader of
 * shell words.
 */
import type { Anchor, ScanResult } from './anchor-scan.js';
import { isRealPassword } from './find-url-passwords.js';
import { isWordy } from './judge-value.js';
import type { SecretKind, SecretMatch } from './secret-kinds.js';
import { looksFake } from './secret-value.js';

/**
 * A literal a rule starts at. The literal may sit inside what the rule reads: `offset` characters
 * after its start (`-cli` in `redis-cli`), so that anchors begin with a pair of characters that is
 * rare in ordinary text and the anchor pass stays fast.
 */
export interface ContextAnchor {
  readonly literal: string;
  readonly offset?: number;
  readonly ignoreCase?: boolean;
  /** Not preceded by a letter, digit or `_` (for anchors at offset 0). */
  readonly wordStart?: boolean;
}

/** One context rule: where it starts, and what it does there. */
export interface ContextRule {
  readonly anchors: readonly ContextAnchor[];
  /** Looks at the rule's start `at`, pushes what it finds, and returns where to look next (> at). */
  readonly run: (text: string, at: number, out: SecretMatch[]) => number;
}

/** True when `at` starts a word: not preceded by a letter, digit or `_`. */
export function wordStartAt(text: string, at: number): boolean {
  if (at <= 0) return at === 0;
  const c = text.charCodeAt(at - 1);
  return !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f);
}

/**
 * Rules prepared for the anchor pass. Each (rule, offset) pair reports its anchors under its own
 * id, from `base` on, so the rule is run at the right start.
 */
export class ContextRuleSet {
  private readonly entries: { rule: ContextRule; offset: number; anchors: ContextAnchor[] }[] = [];

  constructor(
    rules: readonly ContextRule[],
    readonly base: number,
  ) {
    for (const rule of rules) {
      const byOffset = new Map<number, ContextAnchor[]>();
      for (const a of rule.anchors) byOffset.set(a.offset ?? 0, [...(byOffset.get(a.offset ?? 0) ?? []), a]);
      for (const [offset, anchors] of byOffset) this.entries.push({ rule, offset, anchors });
    }
  }

  /** The rules' anchors for the anchor table. */
  anchors(): Anchor[] {
    return this.entries.flatMap((e, i) =>
      e.anchors.map((a) => ({ id: this.base + i, literal: a.literal, ignoreCase: a.ignoreCase === true, wordStart: a.wordStart === true })),
    );
  }

  /** Runs each rule at its anchors' starts (ascending), skipping those it has read past. */
  match(text: string, scan: ScanResult, out: SecretMatch[]): void {
    const { entries, base } = this;
    for (const [id, positions] of scan.hits) {
      const entry = entries[id - base];
      if (entry === undefined) continue;
      let next = 0;
      for (const p of positions) {
        const at = p - entry.offset;
        if (at >= next) next = Math.max(at + 1, entry.rule.run(text, at, out));
      }
    }
  }
}

/**
 * Words that hold no password at all: empty markers and masks. `your_password` is documentation
 * and `DB_PASSWORD` names a variable; both are left alone.
 */
const NOT_A_VALUE = new Set(['none', 'null', 'nil', 'undefined', 'string', 'value', 'hidden', 'masked', 'redacted', 'xxxxxx', 'xxxxxxxx', 'empty']);
const STAND_IN_CONFIDENCE = 0.35;

/** Stand-ins for a password: reported with low confidence (see {@link passwordConfidence}). */
const DUMMY = new Set([
  'changeit', 'changeme', 'dummy', 'testing', 'test123', 'sample', 'hidden', 'masked', 'redacted', 'secret', 'secrets',
  'password', 'passw0rd', 'pa55word', 'letmein', 'qwerty', 'foobar', 'foobarbaz', 'default', 'example', 'username',
  'userpass', 'pass1234', 'password1', 'password12', 'password123', 'secret123', 'secret1234', 'mysecret', 'topsecret',
  'supersecret', 'somepass', 'somepassword', 'yourpass', 'yourpassword', 'your_password', 'mypass', 'mypasswd', 'none',
  'null', 'undefined', 'string', 'value', 'admin', 'root', 'guest', 'user', 'abc123', 'asdf', 'asdfgh', 'xxxxxx', 'foobared',
]);

/** Pure letters (and `_ -`) that say `password` or `secret`: `DbPassword`, `the_secret`. */
const SAYS_PASSWORD = /^[A-Za-z_-]*(?:pass(?:word|wd)?|secret|pwd)[A-Za-z_-]*$/i;
/** Code, not a literal: a property path, a call, an index. */
const CODE = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$|[()[\]]/;

/** What a context rule makes of a value: its confidence, or null when it is no password. */
export function passwordConfidence(value: string, quoted: boolean, base = 0.75): number | null {
  if (value.length < 6 || value.length > 256 || !/^[\x21-\x7e]+$/.test(value)) return null;
  const lower = value.toLowerCase();
  if (NOT_A_VALUE.has(lower) || /^your[_-]?/.test(lower) || /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(value)) return null;
  // A stand-in (`secret`, `myPassword`, `changeme`) where the syntax says "this is the password" is
  // still reported, with low confidence: it may be the real one, and redacting it costs nothing.
  if (DUMMY.has(lower) || SAYS_PASSWORD.test(value)) return STAND_IN_CONFIDENCE;
  if (!isRealPassword(value) || looksFake(value)) return null;
  if (/^(?:\d+|0123456789?|123456\d*|abcdef\w*)$/.test(lower) && !quoted) return null;
  if (/^(?:env|file|fd|stdin):/i.test(value) || /^(?:-|\\\\|\/\/|![A-Za-z])/.test(value)) return null;
  if (!quoted && CODE.test(value)) return null;
  return isWordy(value) ? Math.min(base, 0.5) : base;
}

/** Pushes a match of `kind` over [start, end) when the value there is a password. */
export function pushPassword(out: SecretMatch[], kind: SecretKind, text: string, start: number, end: number, quoted: boolean, base = 0.75): boolean {
  const confidence = passwordConfidence(text.slice(start, end), quoted, base);
  if (confidence === null) return false;
  out.push({ kind, start, end, confidence });
  return true;
}

/** A word of a command line: its raw bounds, and its literal (outer quotes off). */
export interface Word {
  readonly start: number;
  readonly end: number;
}

/** The literal of [start, end): without a pair of outer quotes, with whether it had them. */
export function literalAt(text: string, start: number, end: number): { start: number; end: number; quoted: boolean } {
  const q = text.charCodeAt(start);
  if (end - start >= 2 && (q === 0x22 || q === 0x27) && text.charCodeAt(end - 1) === q) return { start: start + 1, end: end - 1, quoted: true };
  return { start, end, quoted: false };
}

/** Most characters a command line is read for. */
const MAX_LINE = 1024;

/**
 * The shell words from `from` to the end of the command: a newline (not after a `\`, `` ` `` or
 * `^` continuation), `;`, `|` or `&` outside quotes, or {@link MAX_LINE} characters. Quotes group
 * characters into one word. Returns the words and where reading stopped.
 */
export function shellWords(text: string, from: number): { words: Word[]; end: number } {
  const words: Word[] = [];
  const limit = Math.min(text.length, from + MAX_LINE);
  let i = from;
  let start = -1;
  let quote = 0;
  for (; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === 0x0a) break;
      continue;
    }
    const continuation = (c === 0x5c || c === 0x60 || c === 0x5e) && (text.charCodeAt(i + 1) === 0x0a || text.charCodeAt(i + 1) === 0x0d);
    if (c === 0x0a || c === 0x3b || c === 0x7c || c === 0x26 || c === 0x0d || continuation || c === 0x20 || c === 0x09) {
      if (start >= 0) words.push({ start, end: i });
      start = -1;
      if (continuation) {
        i += text.charCodeAt(i + 1) === 0x0d ? 2 : 1;
        continue;
      }
      if (c !== 0x20 && c !== 0x09) break;
      continue;
    }
    if (start < 0) start = i;
    if (c === 0x22 || c === 0x27) quote = c;
  }
  if (start >= 0 && quote === 0) words.push({ start, end: i });
  return { words, end: i };
}

/** The one shell word at `from` (quotes group), within 258 characters; undefined when none starts there. */
export function firstWord(text: string, from: number): Word | undefined {
  const limit = Math.min(text.length, from + 258);
  let i = from;
  let quote = 0;
  for (; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === 0x0a) return undefined;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c <= 0x20 || c === 0x3b || c === 0x7c || c === 0x26) break;
  }
  return i > from && quote === 0 ? { start: from, end: i } : undefined;
}

/** The text of a word. */
export function wordText(text: string, w: Word | undefined): string {
  return w === undefined ? '' : text.slice(w.start, w.end);
}

/** Start of the line holding `at`, looking back at most `max` characters (-1 when further). */
export function lineStart(text: string, at: number, max = 512): number {
  let s = at;
  while (s > 0 && text.charCodeAt(s - 1) !== 0x0a) {
    s--;
    if (at - s > max) return -1;
  }
  return s;
}

/** End of the line holding `at` (its newline, or the end), looking at most `max` characters. */
export function lineEnd(text: string, at: number, max = 1024): number {
  const limit = Math.min(text.length, at + max);
  let e = at;
  while (e < limit && text.charCodeAt(e) !== 0x0a && text.charCodeAt(e) !== 0x0d) e++;
  return e;
}

/** Runs a sticky regex at `at`; null when it does not match there. */
export function stickyAt(re: RegExp, text: string, at: number): RegExpExecArray | null {
  if (at < 0 || at > text.length) return null;
  re.lastIndex = at;
  return re.exec(text);
}
