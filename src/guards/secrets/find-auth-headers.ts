/**
 * Credentials in HTTP authorization headers, as written in curl commands, code and logs:
 * `Authorization: Basic dXNlcjpwYXNz`, `Authorization: Bearer …`, `Authorization: token …`,
 * `Authorization: <credential>` without a scheme, and a bare `Bearer <token>` elsewhere. The span
 * covers the credential, not the scheme.
 */
import { Buffer } from 'node:buffer';
import { isRealPassword } from './find-url-passwords.js';
import { isWordy } from './judge-value.js';
import type { SecretMatch } from './secret-kinds.js';
import { charClasses, isPlaceholder, looksFake, shannonEntropy } from './secret-value.js';

const AUTHORIZATION =
  /(?<![\w-])(?:proxy-)?authorization["'`]?[ \t]{0,16}[:=,][ \t]{0,16}["'`]?(?:(basic|bearer|token|bot|ssws|api-token|apikey|key|digest|jwt|oauth)[ \t]{1,16})?([A-Za-z0-9._~+/=:!@#$%^&*?|-]{1,4096})/dgi;
const BEARER = /(?<![\w-])Bearer[ \t:]{1,16}([A-Za-z0-9._~+/=-]{16,4096})/dg;

/** `value` without trailing sentence punctuation (a loop: a regex anchored at the end would rescan). */
function trimPunctuation(value: string, chars: string): string {
  let end = value.length;
  while (end > 0 && chars.includes(value.charAt(end - 1))) end--;
  return value.slice(0, end);
}

function isCredential(value: string): boolean {
  if (value.length < 8 || isPlaceholder(value) || looksFake(value) || isWordy(value)) return false;
  return !/^[*.]+$/.test(value);
}

/** `Basic` credentials: base64 of `user:password`; a stand-in password (`user:pass`) does not count. */
function basicConfidence(value: string): number | null {
  if (!/^[A-Za-z0-9+/]{6,}={0,2}$/.test(value)) return null;
  const decoded = Buffer.from(value, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 0.6;
  const password = decoded.slice(colon + 1);
  return password === '' || isRealPassword(password) ? 0.85 : null;
}

/** A bare credential must look generated: mixed classes and some entropy. */
function looksGenerated(value: string): boolean {
  const c = charClasses(value);
  return c.digit > 0 && c.lower + c.upper > 0 && shannonEntropy(value) >= 3.0;
}

function authorizationHeaders(text: string, out: SecretMatch[]): void {
  for (const m of text.matchAll(AUTHORIZATION)) {
    const span = m.indices?.[2];
    const scheme = (m[1] ?? '').toLowerCase();
    const value = trimPunctuation(m[2] ?? '', '.,:');
    if (span === undefined || !isCredential(value)) continue;
    const start = span[0];
    const end = start + value.length;
    if (scheme === 'basic') {
      const confidence = basicConfidence(value);
      if (confidence !== null) out.push({ kind: 'BASIC_AUTH', start, end, confidence });
    } else if (scheme !== '') {
      out.push({ kind: 'BEARER_TOKEN', start, end, confidence: 0.75 });
    } else if (looksGenerated(value)) {
      out.push({ kind: 'BEARER_TOKEN', start, end, confidence: 0.65 });
    }
  }
}

function bareBearers(text: string, out: SecretMatch[]): void {
  for (const m of text.matchAll(BEARER)) {
    const span = m.indices?.[1];
    const value = trimPunctuation(m[1] ?? '', '.');
    if (span === undefined || !isCredential(value) || !looksGenerated(value)) continue;
    out.push({ kind: 'BEARER_TOKEN', start: span[0], end: span[0] + value.length, confidence: 0.6 });
  }
}

/** Credentials in authorization headers and after `Bearer`. */
export function findAuthHeaders(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  if (/authorization/i.test(text)) authorizationHeaders(text, out);
  if (text.includes('Bearer')) bareBearers(text, out);
  return out;
}
