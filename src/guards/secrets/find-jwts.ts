/**
 * JSON Web Tokens: base64url parts joined by dots whose first part decodes to a JSON object naming
 * an `alg`. A signed token (three parts, signature present) is a bearer credential; two parts or
 * an empty signature (`alg: none`) are still reported, with less confidence.
 *
 * The pattern enters a base64url run only at its start and every part is bounded, so the scan is
 * linear; decoding is bounded by the header's length.
 */
import { Buffer } from 'node:buffer';
import type { SecretMatch } from './secret-kinds.js';

const MAX_HEADER = 2048;

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,2048}\.eyJ[A-Za-z0-9_-]{2,16384}(?:\.[A-Za-z0-9_-]{0,4096})?(?![A-Za-z0-9_-])/g;

/** True when `part` (base64url) decodes to something shaped like a JOSE header. */
export function isJoseHeader(part: string): boolean {
  if (part.length > MAX_HEADER) return false;
  const header = Buffer.from(part, 'base64url').toString('latin1');
  return header.startsWith('{') && /"alg"\s*:/.test(header);
}

/** JWTs in `text`; the span covers the whole token. */
export function findJwts(text: string): SecretMatch[] {
  if (!text.includes('eyJ')) return [];
  const out: SecretMatch[] = [];
  for (const m of text.matchAll(JWT)) {
    const token = m[0];
    const start = m.index;
    const parts = token.split('.');
    const header = parts[0] ?? '';
    if (!isJoseHeader(header)) continue;
    const signature = parts[2];
    let confidence = 0.6;
    if (signature !== undefined) confidence = signature.length >= 16 ? 0.92 : 0.7;
    out.push({ kind: 'JWT', start, end: start + token.length, confidence });
  }
  return out;
}
