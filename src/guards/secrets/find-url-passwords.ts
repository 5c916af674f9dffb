/**
 * Passwords given next to a user name: in a URL's user info (`scheme://user:pass@host`, covering
 * database DSNs and Git remotes), in `curl -u user:pass` / `--user`, in `psexec … -p pass` and
 * Bundler's `BUNDLE_<HOST>=user:pass` (`.netrc` entries are in find-config-passwords.ts). URLs on
 * documentation hosts (`example.com`, RFC 2606) are examples and left out. The span covers the
 * password; for `curl -u key:` (an API key as the user name, empty password) it covers the key.
 *
 * Every pattern starts at a boundary and is bounded, so the scan is linear.
 */
import { isWordy } from './judge-value.js';
import type { SecretMatch } from './secret-kinds.js';
import { isPlaceholder, looksFake, shannonEntropy } from './secret-value.js';

const URL_USERINFO = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/([^\s:@/?#'"`<>\\]{0,128}):([^\s@/?#'"`<>\\]{1,256})@(?=[A-Za-z0-9[_-])/dg;
/** Hosts reserved for documentation (RFC 2606): credentials there are examples. */
const EXAMPLE_HOST = /^(?:[\w-]+\.)*example\.(?:com|org|net)\b|^[\w.-]+\.(?:example|invalid|test)\b/i;
const CURL_USER = /(?<![\w-])(?:-u|--user)(?:[ \t]{1,16}|=)/g;
/** Bundler credentials for a gem host: `BUNDLE_GEMS__EXAMPLE__COM=user:pass`. */
const BUNDLER = /(?<![\w])BUNDLE_[A-Z0-9_]{1,100}__[A-Z]{2,6}["']?[ \t]{0,16}[:=][ \t]{0,16}["']?[A-Za-z0-9._-]{1,100}:([^\s"'`;&]{1,200})/dg;
const PSEXEC_PASSWORD = /[ \t]-p[ \t]{1,16}([^\s"'`]{1,128})/dg;

/** Stand-ins for a password in examples. */
const PLACEHOLDER_PASSWORDS = new Set([
  'pass', 'password', 'passwd', 'pwd', 'secret', 'token', 'test', 'xxx', 'yyy', 'changeme', 'mypassword', 'mypass',
  'your-password', 'yourpassword', 'pass123', 'password123', 'apikey', 'api_key', 'key', 'foo', 'bar', 'p', 'x',
]);

/** A password that is really there (not a variable, template or stand-in). */
export function isRealPassword(password: string): boolean {
  if (password.length < 3 || PLACEHOLDER_PASSWORDS.has(password.toLowerCase())) return false;
  if (isPlaceholder(password) || looksFake(password) || /[[\]{}<>]/.test(password)) return false;
  if (/^(?:some|my|your|the)[_-]?(?:pass|pwd|secret)/i.test(password)) return false;
  return !/^[%$]|^\*+$/.test(password);
}

function urlPasswords(text: string, out: SecretMatch[]): void {
  if (!text.includes('://')) return;
  for (const m of text.matchAll(URL_USERINFO)) {
    const span = m.indices?.[2];
    const user = m[1] ?? '';
    const password = m[2] ?? '';
    if (span === undefined || !isRealPassword(password)) continue;
    if (EXAMPLE_HOST.test(text.slice(span[1] + 1, span[1] + 254))) continue;
    const confidence = password === user ? 0.5 : isWordy(password) ? 0.6 : 0.85;
    out.push({ kind: 'URL_PASSWORD', start: span[0], end: span[1], confidence });
  }
}

/**
 * The `user:pass` argument after a curl `-u`: quoted or not, quotes inside dropped. Returns where
 * the argument ends, so the next search starts after it.
 */
function curlCredentials(text: string, at: number, out: SecretMatch[]): number {
  let end = at;
  let quote = 0;
  while (end < text.length && end - at < 400) {
    const c = text.charCodeAt(end);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === 0x0a) break;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c <= 0x20 || c === 0x60) break;
    end++;
  }
  const raw = text.slice(at, end);
  const colon = raw.indexOf(':');
  if (colon < 0) return Math.max(end, at + 1);
  const strip = (s: string): string => s.replace(/["'`]/g, '');
  const user = strip(raw.slice(0, colon));
  const password = strip(raw.slice(colon + 1));
  if (password.length === 0) {
    // `curl -u key:` sends an API key as the user name (Stripe, Mailgun, Blynk).
    if (user.length >= 10 && /\d/.test(user) && /[A-Za-z]/.test(user) && shannonEntropy(user) >= 3.0 && isRealPassword(user)) {
      const start = at + raw.indexOf(user.charAt(0));
      out.push({ kind: 'BASIC_AUTH', start, end: start + user.length, confidence: 0.6 });
    }
    return Math.max(end, at + 1);
  }
  if (!isRealPassword(password) || user.startsWith('$') || user.startsWith('<')) return Math.max(end, at + 1);
  let start = at + colon + 1;
  const isQuote = (code: number): boolean => code === 0x22 || code === 0x27 || code === 0x60;
  while (start < end && isQuote(text.charCodeAt(start))) start++;
  let stop = end;
  while (stop > start && isQuote(text.charCodeAt(stop - 1))) stop--;
  out.push({ kind: 'BASIC_AUTH', start, end: stop, confidence: 0.8 });
  return Math.max(end, at + 1);
}

function curlUsers(text: string, out: SecretMatch[]): void {
  if (!text.includes('-u')) return;
  const re = new RegExp(CURL_USER.source, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) re.lastIndex = curlCredentials(text, m.index + m[0].length, out);
}

function groupPasswords(text: string, re: RegExp, needle: string, confidence: number, out: SecretMatch[]): void {
  if (!text.includes(needle)) return;
  for (const m of text.matchAll(re)) {
    const span = m.indices?.[1];
    if (span === undefined || !isRealPassword(m[1] ?? '')) continue;
    out.push({ kind: 'PASSWORD', start: span[0], end: span[1], confidence });
  }
}

/** `-p <password>` on lines that run psexec; each line is looked at once. */
function psexecPasswords(text: string, out: SecretMatch[]): void {
  if (!/psexec/i.test(text)) return;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    const at = line.search(/psexec/i);
    if (at >= 0) {
      for (const m of line.slice(at).matchAll(PSEXEC_PASSWORD)) {
        const span = m.indices?.[1];
        if (span === undefined || !isRealPassword(m[1] ?? '')) continue;
        out.push({ kind: 'PASSWORD', start: start + at + span[0], end: start + at + span[1], confidence: 0.7 });
      }
    }
    start = end + 1;
  }
}

/** Passwords in URLs, curl user arguments, psexec command lines and Bundler settings. */
export function findUrlPasswords(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  urlPasswords(text, out);
  curlUsers(text, out);
  psexecPasswords(text, out);
  groupPasswords(text, BUNDLER, 'BUNDLE_', 0.85, out);
  return out;
}
