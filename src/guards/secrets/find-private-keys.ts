/**
 * PEM private keys (`-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----`), including
 * PGP private key blocks, OpenSSH keys and keys inside JSON strings with escaped newlines (a GCP
 * service-account file's `private_key`). The span covers the whole block. A block needs a body of
 * key material (32 or more base64 characters); an unterminated block is reported when its body
 * alone is long enough to be a key.
 *
 * Every END marker is found in one pass first, and each BEGIN is paired with the next END after it
 * by a forward-only pointer, so many BEGINs without an END stay linear.
 */
import type { SecretMatch } from './secret-kinds.js';

const BEGIN = /-----BEGIN[ A-Z0-9]{0,40} PRIVATE KEY(?: BLOCK)?-----/g;
const END = /-----END[ A-Z0-9]{0,40} PRIVATE KEY(?: BLOCK)?-----/g;
/** The longest body looked at: far above a 16384-bit RSA key in PEM. */
const MAX_BODY = 65536;
const MIN_BASE64 = 32;
const MIN_UNTERMINATED_BASE64 = 64;

function isBase64Char(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2f || code === 0x3d
  );
}

/** Base64 characters in text[start, end), the `n` of escaped newlines (`\n`) left out. */
function countBase64(text: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x6e && text.charCodeAt(i - 1) === 0x5c) continue;
    if (isBase64Char(code)) count++;
  }
  return count;
}

/**
 * End of the key material that starts at `start`: base64, whitespace, escaped newlines and header
 * lines, up to the next `-----` marker.
 */
function bodyEnd(text: string, start: number): number {
  const limit = Math.min(text.length, start + MAX_BODY);
  let i = start;
  while (i < limit) {
    const code = text.charCodeAt(i);
    if (isBase64Char(code) || code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x5c) i++;
    else if (code === 0x3a || code === 0x2c) i++; // Proc-Type: 4,ENCRYPTED
    else if (code === 0x2d && !text.startsWith('-----', i)) i++; // DEK-Info: AES-128-CBC
    else break;
  }
  return i;
}

/** PEM private key blocks in `text`. */
export function findPrivateKeys(text: string): SecretMatch[] {
  if (!text.includes('PRIVATE KEY')) return [];
  const ends: { start: number; end: number }[] = [];
  for (const m of text.matchAll(END)) ends.push({ start: m.index, end: m.index + m[0].length });
  const out: SecretMatch[] = [];
  let next = 0;
  let covered = 0;
  for (const m of text.matchAll(BEGIN)) {
    const start = m.index;
    if (start < covered) continue;
    const bodyStart = start + m[0].length;
    while (next < ends.length && (ends[next]?.start ?? 0) < bodyStart) next++;
    const end = ends[next];
    if (end !== undefined && end.start - bodyStart <= MAX_BODY && bodyEnd(text, bodyStart) >= end.start) {
      if (countBase64(text, bodyStart, end.start) >= MIN_BASE64) {
        out.push({ kind: 'PRIVATE_KEY', start, end: end.end, confidence: 0.99 });
        covered = end.end;
      }
      continue;
    }
    let stop = bodyEnd(text, bodyStart);
    while (stop > bodyStart && /[\s\\]/.test(text.charAt(stop - 1))) stop--;
    if (countBase64(text, bodyStart, stop) >= MIN_UNTERMINATED_BASE64) {
      out.push({ kind: 'PRIVATE_KEY', start, end: stop, confidence: 0.85 });
      covered = stop;
    }
  }
  return out;
}
