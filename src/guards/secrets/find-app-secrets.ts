/**
 * Application and tunnel secrets with a documented setting name and value shape:
 *
 * - WireGuard `PrivateKey = <44-character base64>` and `PresharedKey = …` (a Curve25519 key:
 *   32 bytes, so 43 characters and `=`, the last one from a fixed set);
 * - Django / Flask `SECRET_KEY = '…'` (a long random literal);
 * - Rails `secret_key_base: <hex>`;
 * - session cookies: `Cookie: sessionid=…` / `Set-Cookie: …` where the cookie's name says
 *   session, auth, token or JWT and the value is long and random.
 */
import { type ContextRule, stickyAt } from './context-rule.js';
import { charClasses, isPlaceholder, looksFake, shannonEntropy } from './secret-value.js';

const WIREGUARD = /(?:PrivateKey|PresharedKey)[ \t]{0,8}=[ \t]{0,8}([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)(?![A-Za-z0-9+/=])/y;

const wireguard: ContextRule = {
  anchors: [
    { literal: 'eKey', offset: 6 },
    { literal: 'dKey', offset: 8 },
  ],
  run(text, at, out) {
    const m = stickyAt(WIREGUARD, text, at);
    const key = m?.[1];
    if (m === null || key === undefined || looksFake(key)) return at + 1;
    const end = at + m[0].length;
    out.push({ kind: 'WIREGUARD_KEY', start: end - key.length, end, confidence: 0.9 });
    return end;
  },
};

/** Random enough for a generated key: long, not a placeholder, 3.5+ bits per character. */
function randomLiteral(value: string, min: number): boolean {
  if (value.length < min || isPlaceholder(value) || looksFake(value) || /change[-_ ]?me|insecure|not[-_ ]?(?:a[-_ ])?secret/i.test(value)) return false;
  // Words joined by separators (`a-long-random-string`) are a description, not a key.
  return !/^[A-Za-z]+(?:[-_ .][A-Za-z]+){2,}$/.test(value) && shannonEntropy(value) >= 3.5;
}

const SECRET_KEY = /SECRET_KEY[ \t]{0,8}=[ \t]{0,8}[rbu]?(["'])([^"'\n\\]{32,128})\1/y;

const djangoSecretKey: ContextRule = {
  anchors: [{ literal: 'SECRET_KEY', wordStart: true }],
  run(text, at, out) {
    const m = stickyAt(SECRET_KEY, text, at);
    const value = m?.[2];
    if (m === null || value === undefined || !randomLiteral(value, 32) || /\s/.test(value)) return at + 1;
    const end = at + m[0].length - 1;
    out.push({ kind: 'DJANGO_SECRET_KEY', start: end - value.length, end, confidence: 0.8 });
    return end;
  },
};

const SECRET_KEY_BASE = /secret_key_base["']?[ \t]{0,8}(?:=>|[:=])[ \t]{0,8}(["']?)([0-9a-f]{64,256})\1(?![0-9A-Za-z])/iy;

const railsSecretKeyBase: ContextRule = {
  anchors: [{ literal: 'secret_key_base', ignoreCase: true }],
  run(text, at, out) {
    const m = stickyAt(SECRET_KEY_BASE, text, at);
    const value = m?.[2];
    if (m === null || value === undefined || looksFake(value)) return at + 1;
    const end = at + m[0].length - (m[1] ?? '').length;
    out.push({ kind: 'RAILS_SECRET_KEY_BASE', start: end - value.length, end, confidence: 0.85 });
    return end;
  },
};

/** Cookie names that hold a session or an authentication token (not CSRF tokens, which guard forms). */
const SESSION_NAME = /sess|sid$|^sid|token|auth|jwt|remember|login|credential|secret|^_?[a-z]*_session$/i;
const COOKIE_PAIR = /([A-Za-z0-9_.!#$%&'*+^`|~-]{1,64})=("?)([A-Za-z0-9!#$%&'()*+./:<=>?@[\]^_`{|}~-]{1,4096})\2(?:;[ \t]*|(?=["',\s])|$)/y;

const cookie: ContextRule = {
  anchors: [
    { literal: 'kie', offset: 3 },
    { literal: 'KIE', offset: 3 },
  ],
  run(text, at, out) {
    if (text.slice(at, at + 6).toLowerCase() !== 'cookie') return at + 1;
    let p = at + 6;
    // `Cookie: `, `"Cookie": "`, `set-cookie: `, `-b '` is not a header and is left.
    const head = /^["']?[ \t]{0,4}:[ \t]{0,4}["']?/.exec(text.slice(p, p + 12));
    if (head === null) return at + 1;
    p += head[0].length;
    const limit = Math.min(text.length, p + 8192);
    while (p < limit) {
      const m = stickyAt(COOKIE_PAIR, text, p);
      if (m === null) break;
      const name = m[1] ?? '';
      const value = m[3] ?? '';
      const start = p + name.length + 1 + (m[2] ?? '').length;
      const c = charClasses(value);
      if (SESSION_NAME.test(name) && !/csrf|xsrf/i.test(name) && value.length >= 16 && c.digit > 0 && c.lower + c.upper > 0 && randomLiteral(value, 16)) {
        out.push({ kind: 'SESSION_COOKIE', start, end: start + value.length, confidence: 0.65 });
      }
      p += m[0].length;
      if (!/;[ \t]*$/.test(m[0])) break;
    }
    return Math.max(at + 1, p);
  },
};

/** Every rule of this module. */
export const APP_SECRET_RULES: readonly ContextRule[] = [wireguard, djangoSecretKey, railsSecretKeyBase, cookie];
