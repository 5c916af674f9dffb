/**
 * Secrets recognised by context: a value assigned to a secret-sounding name. The forms covered:
 *
 * - assignments and mappings: `api_key = "…"`, `TOKEN=…`, `"secret": "…"`, `password: …`,
 *   `token := "…"`, `'key' => '…'`, `os.environ["X_TOKEN"] = "…"`, `getenv("API_TOKEN", "…")`;
 * - command-line flags: `--token …`, `--api-key=…`, `-ClientSecret '…'`;
 * - a name and a token separated by whitespace only (`ENV API_TOKEN …`, `access token …`), where
 *   only a long, high-entropy value counts;
 * - XML: `<add key="DbPassword" value="…"/>` and `<password>…</password>`.
 *
 * The name is judged by key-names.ts and the value by judge-value.ts; the span covers the value.
 *
 * Names are not searched for: they are read where the anchor pass (anchor-scan.ts) saw a secret
 * word (`pass`, `token`, `key`, …), and before each long token run (a value a vendor-named key may
 * hold). Each form's pattern is then tried sticky at the name.
 *
 * Linear time: names are at most 80 characters, values at most 4096, and candidates are judged in
 * text order, skipping those inside the value last read, so overlapping candidates
 * (`token=token=token=…`) never read the same characters twice.
 */
import { classifyKeyName, MAYBE_SECRET_NAME } from './key-names.js';
import type { SecretMatch } from './secret-kinds.js';
import { DEFAULT_THRESHOLDS, judgeValue, NAMES_A_SECRET, type GenericThresholds } from './judge-value.js';

/**
 * A name (bare or quoted), an optional `]`, and an assignment or mapping operator. The name must
 * start after whitespace or punctuation that can precede a name in code or config (not after `]`,
 * `@`, `~` or `%`, which mostly means the middle of encoded data).
 */
const ASSIGNMENT =
  /(?<![^\s{(\[,;:"'`<>|&!?*+/=#])(["'`]?)([A-Za-z0-9_$][\w.$-]{0,79})\1\]?[ \t]{0,16}(=>|:{1,3}=|\?=|\|\|=|=(?![=~>])|:(?![:=/\\])|,)[ \t]{0,16}/g;
/** A name, whitespace, then something long enough to be a token: `ENV API_TOKEN …`, `token …`. */
const BARE = /(?<![\w.$-])([A-Za-z_][\w.$-]{0,79})[ \t]{1,8}(?=["'`]?[A-Za-z0-9+/_~.=-]{16})/g;
/** `-flag value`, `--flag=value`. */
const FLAG = /(?<![\w-])--?([A-Za-z][\w.-]{1,48})(?:[ \t]{1,16}|=)/g;
/** `key="Name" value=` (the .NET appSettings form). */
const XML_KEY_VALUE = /\bkey=(["'])([\w.:-]{1,64})\1[ \t]{1,16}value=(?=["'])/g;
/** `<name>`: the value is the element's text, up to `</name>`. */
const XML_ELEMENT = /<([A-Za-z_][\w.:-]{0,63})>/g;

const MAX_VALUE = 4096;

/** Characters that end an unquoted value. */
function endsUnquoted(code: number): boolean {
  return (
    code <= 0x20 || // whitespace and controls
    code === 0x22 || code === 0x27 || code === 0x60 || code === 0x5c || // quotes, backslash
    code === 0x3b || code === 0x2c || code === 0x26 || code === 0x7c || // ; , & |
    code === 0x28 || code === 0x29 || code === 0x5b || code === 0x5d || // ( ) [ ]
    code === 0x7b || code === 0x7d || code === 0x3c || code === 0x3e // { } < >
  );
}

/**
 * End of the value run starting at `from`: up to a character that ends unquoted values when
 * `quote` is 0, else up to `quote`, a backslash or whitespace. Looks at most MAX_VALUE + 1
 * characters.
 */
function runEnd(text: string, from: number, quote: number): number {
  const limit = Math.min(text.length, from + MAX_VALUE + 1);
  let i = from;
  if (quote === 0) {
    while (i < limit && !endsUnquoted(text.charCodeAt(i))) i++;
    return i;
  }
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === quote || c === 0x5c || c <= 0x20) break;
    i++;
  }
  return i;
}

interface Value {
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
  /** Where the next search may resume: past everything this value read. */
  readonly resume: number;
  /** False when there is no value to judge (unterminated quote, a call, too long). */
  readonly usable: boolean;
}

/** The value that starts at `at` (after the operator). */
function readValue(text: string, at: number): Value {
  let p = at;
  if (text.charCodeAt(p) === 0x5c && /["'`]/.test(text.charAt(p + 1))) p++;
  const open = text.charCodeAt(p);
  if (open === 0x22 || open === 0x27 || open === 0x60) {
    const end = runEnd(text, p + 1, open);
    const close = text.charCodeAt(end);
    const closed = close === open || (close === 0x5c && text.charCodeAt(end + 1) === open);
    return { start: p + 1, end, quoted: true, resume: Math.max(end, at + 1), usable: closed && end - p - 1 <= MAX_VALUE };
  }
  const stop = runEnd(text, p, 0);
  let end = stop;
  while (end > p && (text.charCodeAt(end - 1) === 0x2e || text.charCodeAt(end - 1) === 0x3a)) end--;
  const usable = stop - p <= MAX_VALUE && text.charCodeAt(stop) !== 0x28;
  return { start: p, end, quoted: false, resume: Math.max(stop, at + 1), usable };
}

const AWS_SECRET_NAME = /aws.{0,20}secret|secret.?access.?key/i;

/** A line's start: only a key (optionally `export`ed or quoted) and `=` or `:` before the value. */
const KEY_PREFIX = /^[ \t]*(?:export[ \t]+)?["']?[A-Za-z_][\w.-]{0,79}["']?[ \t]*[=:][ \t]*$/;
/** A line's end after the value: nothing, or a `#` comment (a `;` would end a statement of code). */
const LINE_REST = /^[ \t]*(?:#.*)?\r?$/;

/** Whether [start, end) is the whole value of a `key = value` line. Reads at most one line. */
function isKeyValueLine(text: string, start: number, end: number): boolean {
  // Bounded both ways: on a megabyte without a newline, each candidate still costs a few hundred steps.
  let lineStart = start;
  while (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 0x0a) {
    if (start - lineStart >= 120) return false;
    lineStart--;
  }
  const limit = Math.min(text.length, end + 200);
  let lineEnd = end;
  while (lineEnd < limit && text.charCodeAt(lineEnd) !== 0x0a) lineEnd++;
  if (lineEnd === limit && limit < text.length) return false;
  return KEY_PREFIX.test(text.slice(lineStart, start)) && LINE_REST.test(text.slice(end, lineEnd));
}

class Collector {
  readonly out: SecretMatch[] = [];

  constructor(
    readonly text: string,
    private readonly thresholds: GenericThresholds,
  ) {}

  /**
   * Judges the value at `at` for a key named `name`; `needsQuotes` for forms that are only data
   * when quoted, `bare` for a name and value separated by whitespace only. Returns where the
   * caller's search may resume (past the value it read), or `at` when the name was not
   * secret-sounding and no value was read.
   */
  consider(name: string, at: number, form: { needsQuotes?: boolean; bare?: boolean } = {}): number {
    if (!MAYBE_SECRET_NAME.test(name)) return at;
    const strength = classifyKeyName(name);
    if (strength === 'none' || (form.bare === true && strength !== 'strong' && strength !== 'password')) return at;
    const value = readValue(this.text, at);
    if (!value.usable || value.end <= value.start || (form.needsQuotes === true && !value.quoted)) return value.resume;
    const literal = this.text.slice(value.start, value.end);
    // On a line that holds only `key = value` (an env, ini, properties or YAML file), an unquoted
    // value is data, as a quoted one is in code.
    const data = value.quoted || (isKeyValueLine(this.text, value.start, value.end) && !NAMES_A_SECRET.test(literal));
    const context = { strength, quoted: data, awsName: AWS_SECRET_NAME.test(name), bare: form.bare === true };
    const verdict = judgeValue(literal, context, this.thresholds);
    if (verdict !== null) this.out.push({ kind: verdict.kind, start: value.start, end: value.end, confidence: verdict.confidence });
    return value.resume;
  }
}

const ASSIGNMENT_AT = new RegExp(ASSIGNMENT.source, 'y');
const BARE_AT = new RegExp(BARE.source, 'y');
const FLAG_AT = new RegExp(FLAG.source, 'y');
const XML_KEY_VALUE_AT = new RegExp(XML_KEY_VALUE.source, 'y');
const XML_ELEMENT_AT = new RegExp(XML_ELEMENT.source, 'y');

/** Name characters: letters, digits, `_ . $ -`. */
function isNameChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) ||
    code === 0x5f || code === 0x2e || code === 0x24 || code === 0x2d
  );
}

function isQuote(code: number): boolean {
  return code === 0x22 || code === 0x27 || code === 0x60;
}

/** `re` (sticky) at `at`, or null. */
function stickyAt(re: RegExp, text: string, at: number): RegExpExecArray | null {
  if (at < 0) return null;
  re.lastIndex = at;
  return re.exec(text);
}

/**
 * Judges the name whose characters start at `start` in every form it may take: an assignment or
 * mapping (`name = v`, `"name": v`, `getenv("NAME", "v")`), a flag (`--name v`), a name and a
 * token apart (`NAME v`), XML (`key="Name" value="v"`, `<name>v</name>`). Returns where the
 * next name may start: past the last value read.
 */
function judgeName(c: Collector, start: number): number {
  const text = c.text;
  let resume = start + 1;
  const quoted = isQuote(text.charCodeAt(start - 1));
  const assignment = (quoted ? stickyAt(ASSIGNMENT_AT, text, start - 1) : null) ?? stickyAt(ASSIGNMENT_AT, text, start);
  if (assignment !== null) {
    const after = assignment.index + assignment[0].length;
    const operator = assignment[3] ?? '';
    const quotedKey = (assignment[1] ?? '') !== '';
    if (!(operator === ',' && !quotedKey) && !text.startsWith('://', assignment.index - 3)) {
      const comma = operator === ',';
      resume = Math.max(resume, c.consider(assignment[2] ?? '', after, { needsQuotes: comma, bare: comma }));
    }
  }
  const bare = stickyAt(BARE_AT, text, start);
  if (bare !== null) resume = Math.max(resume, c.consider(bare[1] ?? '', bare.index + bare[0].length, { bare: true }));
  const flag = text.charCodeAt(start) === 0x2d ? stickyAt(FLAG_AT, text, start) : null;
  if (flag !== null) resume = Math.max(resume, c.consider(flag[1] ?? '', flag.index + flag[0].length));
  if (quoted && text.startsWith('key=', start - 5)) {
    const xml = stickyAt(XML_KEY_VALUE_AT, text, start - 5);
    if (xml !== null) resume = Math.max(resume, c.consider(xml[2] ?? '', xml.index + xml[0].length));
  }
  if (text.charCodeAt(start - 1) === 0x3c) {
    const element = stickyAt(XML_ELEMENT_AT, text, start - 1);
    const name = element?.[1] ?? '';
    if (element !== null && MAYBE_SECRET_NAME.test(name)) {
      const valueStart = element.index + element[0].length;
      const end = runEnd(text, valueStart, 0x3c);
      if (text.startsWith(`</${name}>`, end)) resume = Math.max(resume, c.consider(name, valueStart));
    }
  }
  return resume;
}

/** Start of the name run holding `at`, or -1 when it is longer than a name can be. */
function nameStart(text: string, at: number): number {
  let s = at;
  while (s > 0 && isNameChar(text.charCodeAt(s - 1))) {
    s--;
    if (at - s > 80) return -1;
  }
  return s;
}

/**
 * The name a value starting at `value` is given to, looking back over an opening quote, an
 * operator (`=`, `:`, `=>`, `,`, …), a closing quote or `]`, and blanks; -1 when there is none.
 */
function nameBefore(text: string, value: number): number {
  let j = value - 1;
  if (isQuote(text.charCodeAt(j))) j--;
  const blanks = (): void => {
    for (let k = 0; k < 16 && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09); k++) j--;
  };
  blanks();
  for (let k = 0; k < 3 && '=:>?|,'.includes(text.charAt(j)) && j >= 0; k++) j--;
  blanks();
  if (text.charCodeAt(j) === 0x5d) j--;
  if (isQuote(text.charCodeAt(j))) j--;
  return j >= 0 && isNameChar(text.charCodeAt(j)) ? nameStart(text, j) : -1;
}

/** Lower-case words that make a name worth reading at any value length (see key-names.ts). */
export const NAME_KEYWORDS: readonly string[] = ['pass', 'pwd', 'pw', 'secret', 'token', 'key', 'cred', 'auth', 'bearer', 'mdp', 'senha', 'contrase'];

/**
 * Values assigned to secret-sounding names, given where {@link NAME_KEYWORDS} occur in `text`
 * (ascending) and its long token runs (flat [start, end) pairs): each keyword's name, and the name
 * before each long value, is judged once, in text order.
 */
export function findAssignmentsAt(
  text: string,
  keywords: readonly number[],
  runs: readonly number[],
  thresholds: GenericThresholds = DEFAULT_THRESHOLDS,
): SecretMatch[] {
  const starts: number[] = [];
  for (const k of keywords) {
    const s = nameStart(text, k);
    if (s >= 0) starts.push(s);
  }
  for (let r = 0; r < runs.length; r += 2) {
    const s = nameBefore(text, runs[r] ?? 0);
    if (s >= 0) starts.push(s);
  }
  if (starts.length === 0) return [];
  starts.sort((a, b) => a - b);
  const c = new Collector(text, thresholds);
  let covered = -1;
  for (const s of starts) {
    if (s <= covered) continue;
    covered = Math.max(s, judgeName(c, s) - 1);
  }
  return c.out;
}

const KEYWORD = new RegExp(NAME_KEYWORDS.join('|'), 'gi');
const RUN = /[A-Za-z0-9_+/.~-]{14,}/g;

/** Values assigned to secret-sounding names in `text`. */
export function findAssignments(text: string, thresholds: GenericThresholds = DEFAULT_THRESHOLDS): SecretMatch[] {
  const keywords: number[] = [];
  for (const m of text.matchAll(KEYWORD)) keywords.push(m.index);
  const runs: number[] = [];
  for (const m of text.matchAll(RUN)) runs.push(m.index, m.index + m[0].length);
  return findAssignmentsAt(text, keywords, runs, thresholds);
}
