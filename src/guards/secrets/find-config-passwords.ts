/**
 * Passwords in configuration files, by each file's documented syntax:
 *
 * - `.netrc`: `machine host login user password pass` (also `default login … password …`);
 * - `.pgpass`: `host:port:database:user:password` lines;
 * - `htpasswd`: `user:$apr1$…`, `user:{SHA}…`, `user:$2y$…` lines (the hash is the credential);
 * - Ansible: `ansible_password`, `ansible_ssh_pass`, `ansible_become_pass(word)` in YAML or
 *   inventory `key=value`;
 * - Java properties: `spring.datasource.password=…` and other dotted keys ending in `.password`;
 * - Maven `settings.xml` `<password>…</password>`, Gradle `credentials { password '…' }`;
 * - Redis `requirepass …` / `masterauth …`.
 */
import { type ContextRule, lineEnd, lineStart, pushPassword, stickyAt, wordStartAt } from './context-rule.js';

const KIND = 'PASSWORD_IN_CONFIG';

/** The literal at `at`: a quoted string (to its closing quote) or a word (to whitespace, `#`). */
function literalFrom(text: string, at: number, stops = ' \t\r\n'): { start: number; end: number; quoted: boolean } {
  const q = text.charCodeAt(at);
  const limit = Math.min(text.length, at + 257);
  if (q === 0x22 || q === 0x27) {
    let end = at + 1;
    while (end < limit && text.charCodeAt(end) !== q && text.charCodeAt(end) !== 0x0a) end++;
    return text.charCodeAt(end) === q ? { start: at + 1, end, quoted: true } : { start: at, end: at, quoted: true };
  }
  let end = at;
  while (end < limit && !stops.includes(text.charAt(end))) end++;
  return { start: at, end, quoted: false };
}

const NETRC_HEAD = /(?:^|\s)(?:(machine[ \t]{1,16}\S{1,253}|default)\s{1,16})?login[ \t]{1,16}\S{1,128}\s{1,16}(?:account[ \t]{1,16}\S{1,128}\s{1,16})?$/;
const NETRC_PASSWORD = /password[ \t]{1,16}/y;

/**
 * `.netrc` entries, read from their `password` back to `login`: with `machine host` or `default`
 * before it, any real password; without, only one that is not a plain word.
 */
const netrc: ContextRule = {
  anchors: [{ literal: 'password', wordStart: true }],
  run(text, at, out) {
    const m = stickyAt(NETRC_PASSWORD, text, at);
    if (m === null) return at + 1;
    const head = NETRC_HEAD.exec(text.slice(Math.max(0, at - 400), at));
    if (head === null) return at + 1;
    const value = literalFrom(text, at + m[0].length);
    const machine = head[1] !== undefined;
    if (machine || !/^[A-Za-z]+$/.test(text.slice(value.start, value.end))) pushPassword(out, KIND, text, value.start, value.end, true, machine ? 0.85 : 0.6);
    return Math.max(at + 1, value.end);
  },
};

const PGPASS_LINE = /^[ \t]*[^:\s#]{1,253}:(?:\d{1,5}|\*):[^:\s]{1,63}:[^:\s]{1,63}:((?:\\:|[^\s:]){1,256})[ \t]*$/;

/** `.pgpass`: `host:port:db:user:password`, the port a number or `*`. */
const pgpass: ContextRule = {
  anchors: [':5432:', ':5433:', ':6432:', ':*:'].map((literal) => ({ literal })),
  run(text, at, out) {
    const start = lineStart(text, at, 400);
    if (start < 0) return at + 1;
    const end = lineEnd(text, at, 600);
    const m = PGPASS_LINE.exec(text.slice(start, end));
    const pw = m?.[1];
    if (m === null || pw === undefined) return end;
    const from = start + m[0].lastIndexOf(pw);
    pushPassword(out, KIND, text, from, from + pw.length, true, 0.8);
    return end;
  },
};

const HTPASSWD_HASH = /(?:\$(?:apr1|1)\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}|\{SHA\}[A-Za-z0-9+/]{27}=|\$2[aby]\$\d\d\$[./0-9A-Za-z]{53}|\$[56]\$(?:rounds=\d{1,9}\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43,86})(?=[\s"'`,;]|$)/y;

/**
 * `user:hash` at the start of a line (or after a quote or blank), the hash ending the entry: an
 * htpasswd line (a shadow line goes on with `:` fields and stays a PASSWORD_HASH).
 */
const htpasswd: ContextRule = {
  anchors: [':$apr1$', ':{SHA}', ':$2y$', ':$2a$', ':$2b$', ':$1$', ':$5$', ':$6$'].map((literal) => ({ literal })),
  run(text, at, out) {
    let u = at;
    while (u > 0 && at - u <= 64 && /[\w.@-]/.test(text.charAt(u - 1))) u--;
    if (u === at || at - u > 64 || !(u === 0 || /[\s"'`]/.test(text.charAt(u - 1)))) return at + 1;
    const m = stickyAt(HTPASSWD_HASH, text, at + 1);
    if (m === null) return at + 1;
    out.push({ kind: 'HTPASSWD_HASH', start: at + 1, end: at + 1 + m[0].length, confidence: 0.92 });
    return at + 1 + m[0].length;
  },
};

const ANSIBLE = /ansible_(?:ssh_|become_|sudo_|su_|winrm_|httpapi_|net_)?pass(?:word)?["']?[ \t]{0,8}[:=][ \t]{0,8}/iy;

/** Ansible connection and become passwords (vaulted `!vault` values and `{{ vars }}` are left). */
const ansible: ContextRule = {
  anchors: [{ literal: 'ible_', offset: 3, ignoreCase: true }],
  run(text, at, out) {
    if (!wordStartAt(text, at)) return at + 1;
    const m = stickyAt(ANSIBLE, text, at);
    if (m === null) return at + 1;
    const value = literalFrom(text, at + m[0].length);
    pushPassword(out, KIND, text, value.start, value.end, true, 0.8);
    return Math.max(at + 1, value.end);
  },
};

const PROPERTY = /^[ \t]*([A-Za-z][\w-]{0,40}(?:\.[\w-]{1,40}){0,8})\.password[ \t]*[=:][ \t]*(\S(?:[^\r\n]{0,255}\S)?)?[ \t]*$/i;
const NOT_A_FILE_KEY = /^(?:this|self|that|me|super|cls|options|opts|config|cfg|args|params|user|req|res|data|form|ctx|props|state|model|input|values|credentials|auth)$/i;

/** `spring.datasource.password=…`: a dotted key at the start of its line, ending in `.password`. */
const properties: ContextRule = {
  anchors: [{ literal: 'password', ignoreCase: true }],
  run(text, at, out) {
    if (text.charCodeAt(at - 1) !== 0x2e) return at + 1;
    const start = lineStart(text, at, 400);
    if (start < 0) return at + 1;
    const end = lineEnd(text, at, 600);
    const m = PROPERTY.exec(text.slice(start, end));
    const value = m?.[2];
    const first = (m?.[1] ?? '').split('.')[0] ?? '';
    if (m === null || value === undefined || NOT_A_FILE_KEY.test(first) || /[;(){}]$|^["']|\s/.test(value)) return end;
    const from = start + m[0].lastIndexOf(value);
    pushPassword(out, KIND, text, from, from + value.length, true, 0.75);
    return end;
  },
};

const XML_PASSWORD = /<password>([^<>\n]{1,256})<\/password>/iy;

/** Maven `settings.xml` and other XML: `<password>…</password>` (Maven's `{…}` is encrypted). */
const xmlPassword: ContextRule = {
  anchors: [{ literal: '<password>', ignoreCase: true }],
  run(text, at, out) {
    const m = stickyAt(XML_PASSWORD, text, at);
    if (m === null) return at + 1;
    const value = m[1] ?? '';
    const from = at + 10 + (value.length - value.trimStart().length);
    pushPassword(out, KIND, text, from, from + value.trim().length, true, 0.75);
    return at + m[0].length;
  },
};

const GRADLE = /password[ \t]{1,8}(?:=[ \t]{0,8})?(["'])([^"'\n$]{1,256})\1/y;

/** Gradle `credentials { username '…'; password '…' }`. */
const gradle: ContextRule = {
  anchors: [{ literal: 'password', wordStart: true }],
  run(text, at, out) {
    const m = stickyAt(GRADLE, text, at);
    if (m === null || !/credentials[ \t]*\{|username[ \t]/.test(text.slice(Math.max(0, at - 200), at))) return at + 1;
    const value = m[2] ?? '';
    const from = at + m[0].length - 1 - value.length;
    pushPassword(out, KIND, text, from, from + value.length, true, 0.75);
    return at + m[0].length;
  },
};

const REDIS = /(?:requirepass|masterauth)[ \t]{1,8}/y;

/** `redis.conf`: `requirepass …`, `masterauth …`. */
const redis: ContextRule = {
  anchors: [
    { literal: 'pass', offset: 7 },
    { literal: 'auth', offset: 6 },
  ],
  run(text, at, out) {
    if (!wordStartAt(text, at)) return at + 1;
    const m = stickyAt(REDIS, text, at);
    if (m === null) return at + 1;
    const value = literalFrom(text, at + m[0].length);
    pushPassword(out, KIND, text, value.start, value.end, true, 0.8);
    return Math.max(at + 1, value.end);
  },
};

/** Every configuration-file rule of this module. */
export const CONFIG_RULES: readonly ContextRule[] = [netrc, pgpass, htpasswd, ansible, properties, xmlPassword, gradle, redis];

