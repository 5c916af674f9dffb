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
 * Linear time: the key patterns start only at the start of a name (look-behind), names are at
 * most 80 characters, values at most 4096, and each search resumes past the value it last read,
 * so overlapping candidates (`token=token=token=…`) never read the same characters twice.
 */
import { classifyKeyName, MAYBE_SECRET_NAME } from './key-names.js';
import type { SecretMatch } from './secret-kinds.js';
import { DEFAULT_THRESHOLDS, judgeValue, type GenericThresholds } from './judge-value.js';

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
    const context = { strength, quoted: value.quoted, awsName: AWS_SECRET_NAME.test(name), bare: form.bare === true };
    const verdict = judgeValue(literal, context, this.thresholds);
    if (verdict !== null) this.out.push({ kind: verdict.kind, start: value.start, end: value.end, confidence: verdict.confidence });
    return value.resume;
  }
}

/**
 * Runs `re` over the text; `visit` judges a match and returns where the search resumes. Skipping
 * past values already read keeps every character inside at most one judged value.
 */
function each(c: Collector, re: RegExp, visit: (m: RegExpExecArray) => number): void {
  const pattern = new RegExp(re.source, re.flags);
  for (let m = pattern.exec(c.text); m !== null; m = pattern.exec(c.text)) {
    const after = m.index + m[0].length;
    pattern.lastIndex = Math.max(after, visit(m));
  }
}

function scanAssignments(c: Collector): void {
  each(c, ASSIGNMENT, (m) => {
    const after = m.index + m[0].length;
    const operator = m[3] ?? '';
    const quotedKey = (m[1] ?? '') !== '';
    if (operator === ',' && !quotedKey) return after;
    // `scheme://user:pass@host` is user info, not an assignment: find-url-passwords.ts reads it.
    if (c.text.startsWith('://', m.index - 3)) return after;
    const comma = operator === ',';
    return c.consider(m[2] ?? '', after, { needsQuotes: comma, bare: comma });
  });
}

function scanBare(c: Collector): void {
  each(c, BARE, (m) => c.consider(m[1] ?? '', m.index + m[0].length, { bare: true }));
}

function scanFlags(c: Collector): void {
  if (!c.text.includes('-')) return;
  each(c, FLAG, (m) => c.consider(m[1] ?? '', m.index + m[0].length));
}

function scanXml(c: Collector): void {
  if (!c.text.includes('<') && !c.text.includes('key=')) return;
  each(c, XML_KEY_VALUE, (m) => c.consider(m[2] ?? '', m.index + m[0].length));
  each(c, XML_ELEMENT, (m) => {
    const name = m[1] ?? '';
    const start = m.index + m[0].length;
    if (!MAYBE_SECRET_NAME.test(name)) return start;
    const end = runEnd(c.text, start, 0x3c);
    return c.text.startsWith(`</${name}>`, end) ? c.consider(name, start) : end;
  });
}

/** Values assigned to secret-sounding names in `text`. */
export function findAssignments(text: string, thresholds: GenericThresholds = DEFAULT_THRESHOLDS): SecretMatch[] {
  const c = new Collector(text, thresholds);
  scanAssignments(c);
  scanBare(c);
  scanFlags(c);
  scanXml(c);
  return c.out;
}
