/**
 * Passwords in database connection strings and SQL statements:
 *
 * - ODBC / ADO.NET / JDBC key-value strings: `Server=…;User ID=…;Password=…;`, `Uid=…;Pwd=…;`,
 *   `Pwd={…}` (ODBC braces), `jdbc:sqlserver://h;user=u;password=…`;
 * - URL queries: `jdbc:mysql://h/db?user=u&password=…`, `…?username=u&password=…`;
 * - libpq key-value strings: `host=h dbname=d user=u password=…`;
 * - Oracle thin URLs: `jdbc:oracle:thin:user/password@host`;
 * - SQL: `IDENTIFIED BY '…'`, `CREATE|ALTER USER|ROLE|LOGIN … PASSWORD '…'`,
 *   `SET PASSWORD FOR … = '…'`.
 *
 * `password=` alone is left to the assignment rule; here it needs the company of another
 * connection key on its line, which is what makes it part of a connection string.
 */
import { type ContextRule, lineStart, pushPassword, stickyAt, wordStartAt } from './context-rule.js';

const KIND = 'CONNECTION_STRING_PASSWORD';
const SQL_KIND = 'PASSWORD_IN_CODE';

const KEY = /(?:password|pwd)[ \t]{0,4}=[ \t]{0,4}/iy;
/** Keys that make a `;`-separated string a connection string. */
const CONNECTION_KEY = /(?:^|[;"'`\s?&])(?:server|data source|host|hostname|addr|address|network address|uid|user id|userid|user|username|database|dbname|initial catalog|driver|provider|dsn|port|sslmode)[ \t]{0,4}=/i;

/**
 * Whether the text before the key (on its line) makes it part of a connection string: a URL query
 * on a URL or after a user parameter, or another connection key.
 */
function connectionContext(before: string): boolean {
  const last = before.trimEnd().slice(-1);
  if (last === '?' || last === '&') return /:\/\/|jdbc:|[?&](?:user|username|uid|login|user_?id)=/i.test(before);
  return CONNECTION_KEY.test(before);
}

/** End of an unquoted connection-string value: `;`, `&`, a quote, whitespace. */
function valueEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + 257);
  let i = from;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x3b || c === 0x26 || c === 0x22 || c === 0x27 || c === 0x60 || c === 0x5c) break;
    i++;
  }
  return i;
}

const connectionPassword: ContextRule = {
  anchors: ['password=', 'password =', 'pwd=', 'pwd ='].map((literal) => ({ literal, ignoreCase: true, wordStart: true })),
  run(text, at, out) {
    const m = stickyAt(KEY, text, at);
    if (m === null) return at + 1;
    const start = lineStart(text, at, 300);
    const before = text.slice(start < 0 ? at - 300 : start, at);
    if (!connectionContext(before)) return at + 1;
    let from = at + m[0].length;
    let end: number;
    const open = text.charCodeAt(from);
    if (open === 0x7b || open === 0x22 || open === 0x27) {
      // ODBC `{…}` or a quoted value: up to the closing character, within 256 characters.
      end = text.slice(from + 1, from + 258).indexOf(open === 0x7b ? '}' : String.fromCharCode(open));
      if (end < 0) return at + 1;
      from++;
      end += from;
    } else end = valueEnd(text, from);
    pushPassword(out, KIND, text, from, end, true, 0.8);
    return Math.max(at + 1, end);
  },
};

const ORACLE_THIN = /jdbc:oracle:(?:thin|oci):([^/@:\s"']{1,64})\/([^@\s"'/]{1,128})@/y;

const oracleThin: ContextRule = {
  anchors: [{ literal: 'jdbc:oracle:' }],
  run(text, at, out) {
    const m = stickyAt(ORACLE_THIN, text, at);
    const pw = m?.[2];
    if (m === null || pw === undefined) return at + 1;
    const end = at + m[0].length - 1;
    pushPassword(out, KIND, text, end - pw.length, end, true, 0.8);
    return end;
  },
};

const IDENTIFIED = /identified(?:[ \t]{1,8}with[ \t]{1,8}['"`]?\w{1,64}['"`]?)?[ \t]{1,8}by[ \t]{1,8}(?:password[ \t]{1,8})?(?:(['"])([^'"\n]{1,256})\1|([A-Za-z0-9_$#]{1,128})(?![^\s;]))/iy;

/** `IDENTIFIED BY '…'` (MySQL, Oracle, where the password may be a bare word). */
const identifiedBy: ContextRule = {
  anchors: [{ literal: 'ntified ', offset: 3, ignoreCase: true }],
  run(text, at, out) {
    if (!wordStartAt(text, at)) return at + 1;
    const m = stickyAt(IDENTIFIED, text, at);
    if (m === null) return at + 1;
    const pw = m[2] ?? m[3] ?? '';
    const end = at + m[0].length - (m[2] !== undefined ? 1 : 0);
    pushPassword(out, SQL_KIND, text, end - pw.length, end, true, 0.8);
    return at + m[0].length;
  },
};

const SQL_PASSWORD = /password[ \t]{0,8}=?[ \t]{0,8}N?(['"])([^'"\n]{1,256})\1/iy;
const USER_STATEMENT = /\b(?:create|alter)[ \t]+(?:user|role|login|group)\b[^;]{0,200}$/i;
const SET_PASSWORD = /set[ \t]+password[ \t]+(?:for[ \t]+\S{1,128}[ \t]*)?=[ \t]*(?:password[ \t]*\([ \t]*)?(['"])([^'"\n]{1,256})\1/iy;

/** `CREATE USER … WITH PASSWORD '…'`, `CREATE LOGIN … WITH PASSWORD = '…'`, `SET PASSWORD … = '…'`. */
const sqlPassword: ContextRule = {
  anchors: [
    { literal: 'password ', ignoreCase: true, wordStart: true },
    { literal: "password'", ignoreCase: true, wordStart: true },
    { literal: 'password=', ignoreCase: true, wordStart: true },
    { literal: 'set password', ignoreCase: true, wordStart: true },
  ],
  run(text, at, out) {
    const set = stickyAt(SET_PASSWORD, text, at);
    const m = set ?? stickyAt(SQL_PASSWORD, text, at);
    if (m === null) return at + 1;
    if (set === null && !USER_STATEMENT.test(text.slice(Math.max(0, at - 240), at))) return at + 1;
    const pw = m[2] ?? '';
    const end = at + m[0].length - 1;
    pushPassword(out, SQL_KIND, text, end - pw.length, end, true, 0.8);
    return at + m[0].length;
  },
};

/** Every connection-string and SQL rule of this module. */
export const CONNECTION_RULES: readonly ContextRule[] = [connectionPassword, oracleThin, identifiedBy, sqlPassword];
