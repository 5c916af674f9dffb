/**
 * Passwords passed as string literals to the calls that take them, by argument position:
 *
 * - HTTP clients: `requests.get(…, auth=('user', 'pw'))` (a tuple after `auth=`), `HTTPBasicAuth('u', 'pw')`,
 *   `aiohttp.BasicAuth(…)`, `.auth('u', 'pw')`, `setBasicAuth("u", "pw")`, Ruby
 *   `basic_auth 'u', 'pw'`;
 * - .NET and Java: `new NetworkCredential("u", "pw")`, `UsernamePasswordCredentials("u", "pw")`,
 *   `new PasswordAuthentication("u", "pw".toCharArray())`, `DriverManager.getConnection(url, "u", "pw")`,
 *   `setPassword("pw")`, `withPassword("pw")`;
 * - PHP and Python database and mail clients: `mysqli_connect(h, u, 'pw')`, `new PDO(dsn, u, 'pw')`,
 *   `FTP(h, u, 'pw')`, `smtp.login(user, 'pw')`, `conn.simple_bind_s(dn, 'pw')`;
 * - PowerShell: `ConvertTo-SecureString 'pw' -AsPlainText`.
 *
 * Keyword arguments (`connect(password='…')`, `{ password: '…' }`) are assignments and left to
 * find-assignments.ts. Only a literal counts: a variable, a call or an f-string does not.
 */
import { type ContextRule, pushPassword, stickyAt } from './context-rule.js';
import type { SecretMatch } from './secret-kinds.js';

const KIND = 'PASSWORD_IN_CODE';

/**
 * A call that takes a password: its name (a `|` marks where the anchor literal starts, so that it
 * begins with a pair of characters rare in ordinary text), and the password's argument index.
 */
interface Call {
  readonly marked: string;
  readonly index: number;
}

/** `BasicAuth(` also anchors `HTTPBasicAuth(`, `aiohttp.BasicAuth(`, `setBasicAuth(`, `withBasicAuth(`. */
const CALLS: readonly Call[] = [
  { marked: 'HTTPDigestAuth', index: 1 },
  { marked: 'HTTPProxyAuth', index: 1 },
  { marked: 'Basi|cAuth(', index: 1 },
  { marked: 'Networ|kCredential', index: 1 },
  { marked: 'Username|PasswordCredentials', index: 1 },
  { marked: 'PasswordAuthentication', index: 1 },
  { marked: 'Username|PasswordAuthenticationToken', index: 1 },
  { marked: 'basi|c_auth', index: 1 },
  { marked: 'basi|cAuth(', index: 1 },
  { marked: '.auth(', index: 1 },
  { marked: 'auth=(', index: 1 },
  { marked: 'auth = (', index: 1 },
  { marked: '.login(', index: 1 },
  { marked: 'simpl|e_bind(', index: 1 },
  { marked: 'bin|d_s(', index: 1 },
  { marked: 'ge|tConnection(', index: 2 },
  { marked: 'mysql_connect', index: 2 },
  { marked: 'mysqli_connect', index: 2 },
  { marked: 'mysqli(', index: 2 },
  { marked: 'PDO(', index: 2 },
  { marked: 'FTP(', index: 2 },
  { marked: 'FTP_TLS(', index: 2 },
  { marked: 'se|tPassword', index: 0 },
  { marked: 'wit|hPassword', index: 0 },
];

const MAX_ARGS = 256;

/**
 * The arguments from `from` (just past an opening `(`, or the first argument of a call without
 * parentheses) to the closing `)` (or the line's end): raw [start, end) pairs, blanks trimmed.
 */
function callArgs(text: string, from: number, parens: boolean): [number, number][] {
  const args: [number, number][] = [];
  const limit = Math.min(text.length, from + MAX_ARGS);
  let depth = 0;
  let quote = 0;
  let start = from;
  const push = (end: number): void => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text.charAt(s))) s++;
    while (e > s && /\s/.test(text.charAt(e - 1))) e--;
    args.push([s, e]);
  };
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === 0x5c) i++;
      else if (c === quote) quote = 0;
      else if (c === 0x0a) return args;
      continue;
    }
    if (c === 0x22 || c === 0x27 || c === 0x60) quote = c;
    else if (c === 0x28 || c === 0x5b || c === 0x7b) depth++;
    else if ((c === 0x29 || c === 0x5d || c === 0x7d) && depth > 0) depth--;
    else if (depth === 0 && (c === 0x29 || (!parens && (c === 0x0a || c === 0x3b || c === 0x7d)))) {
      push(i);
      return args;
    } else if (depth === 0 && c === 0x2c) {
      push(i);
      start = i + 1;
    }
  }
  if (parens || quote !== 0) return [];
  push(limit);
  return args;
}

/** The literal of an argument: a quoted string, `@"…"`, or `"…".toCharArray()`. */
const LITERAL = /^(?:@|[rRuUbB])?(["'])([^"'\\\n]{1,256})\1(?:\.toCharArray\(\)|\.encode\(\))?$/;

function runCall(name: string, index: number, text: string, at: number, out: SecretMatch[]): number {
  if (!text.startsWith(name, at)) return at + 1;
  let p = at + name.length;
  let parens = name.endsWith('(');
  if (!parens) {
    // The name must end here (`NetworkCredential(`, `basic_auth 'u', 'pw'`), not run on.
    if (/[\w$]/.test(text.charAt(p))) return at + 1;
    let blanks = 0;
    while (blanks < 8 && (text.charCodeAt(p) === 0x20 || text.charCodeAt(p) === 0x09)) {
      p++;
      blanks++;
    }
    parens = text.charCodeAt(p) === 0x28;
    if (parens) p++;
    else if (blanks === 0) return at + 1;
  }
  const arg = callArgs(text, p, parens)[index];
  const m = arg === undefined ? null : LITERAL.exec(text.slice(arg[0], arg[1]));
  const value = m?.[2];
  if (arg === undefined || m === null || value === undefined) return at + 1;
  const start = arg[0] + m[0].indexOf(m[1] ?? '"') + 1;
  pushPassword(out, KIND, text, start, start + value.length, true, 0.75);
  return at + 1;
}

const SECURE_STRING = /ConvertTo-SecureString[ \t]{1,8}(?:-String[ \t]{1,8})?(["'])([^"'\n]{1,256})\1/iy;

/** PowerShell `ConvertTo-SecureString 'pw' -AsPlainText`. */
const secureString: ContextRule = {
  anchors: [{ literal: '-SecureString', offset: 9, ignoreCase: true }],
  run(text, at, out) {
    const m = stickyAt(SECURE_STRING, text, at);
    const value = m?.[2];
    if (m === null || value === undefined) return at + 1;
    const end = at + m[0].length - 1;
    pushPassword(out, KIND, text, end - value.length, end, true, 0.8);
    return at + m[0].length;
  },
};

/** Every call rule of this module, one per call. */
export const CODE_RULES: readonly ContextRule[] = [
  ...CALLS.map(({ marked, index }) => {
    const offset = Math.max(0, marked.indexOf('|'));
    const name = marked.replace('|', '');
    return { anchors: [{ literal: name.slice(offset), offset }], run: (text: string, at: number, out: SecretMatch[]) => runCall(name, index, text, at, out) };
  }),
  secureString,
];
