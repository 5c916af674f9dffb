/**
 * IP addresses. IPv4: exactly four dot-separated octets 0–255 (no leading zeros), not part of a
 * longer dotted sequence (`1.2.3.4.5`, an OID) and not a version (`v1.2.3.4`, `Chrome/120.0.0.0`,
 * "version 10.0.0.1"); three-part versions such as `1.2.3` never match. A CIDR suffix (`/24`) and
 * a port are left outside the span. IPv6: eight hex groups, or fewer with one `::`, optionally
 * ending in an IPv4; a compressed form needs a digit and two groups (`fe80::1`) or is `::1`.
 * Work per candidate is bounded, so the scan is linear.
 */
import { codeAt, isDigit, isHex, isLetter, isWordChar } from './ascii.js';
import { nearby } from './nearby.js';
import type { PiiMatch } from './pii-kinds.js';

const VERSION = /(?:\bversion|\bver\.?|\brelease|\bv)\s*$/i;
const MAX_V6 = 45;

/** Reads one octet at `i`; returns its end or -1. */
function octetEnd(text: string, i: number): number {
  let end = i;
  while (end < text.length && end - i < 4 && isDigit(text.charCodeAt(end))) end++;
  const length = end - i;
  if (length === 0 || length > 3) return -1;
  if (length > 1 && text.charCodeAt(i) === 0x30) return -1;
  return Number(text.slice(i, end)) <= 255 ? end : -1;
}

/** End of the IPv4 address at `start`, or -1. */
export function ipv4End(text: string, start: number): number {
  let i = start;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (codeAt(text, i) !== 0x2e) return -1;
      i++;
    }
    i = octetEnd(text, i);
    if (i === -1) return -1;
  }
  return i;
}

/** Nothing glued after, no further dotted part, and no version marker before. */
function standalone(text: string, start: number, end: number, before: number): boolean {
  const after = codeAt(text, end);
  if (isWordChar(after) || (after === 0x2e && isDigit(codeAt(text, end + 1)))) return false;
  if (before === 0x2f && isLetter(codeAt(text, start - 2))) return false;
  return !nearby(text, start, start, VERSION, 12, 0);
}

/** Four dot-joined groups of 1–3 digits; octet values and boundaries are checked after. */
const DOTTED_QUAD = /(?<![0-9A-Za-z_.])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}/g;

function findIpv4(text: string, out: PiiMatch[]): void {
  DOTTED_QUAD.lastIndex = 0;
  for (let m = DOTTED_QUAD.exec(text); m !== null; m = DOTTED_QUAD.exec(text)) {
    const start = m.index;
    const end = ipv4End(text, start);
    if (end === start + m[0].length && standalone(text, start, end, codeAt(text, start - 1))) {
      out.push({ kind: 'IP_ADDRESS', start, end, confidence: 0.9 });
    }
  }
}

/** True when `candidate` is an IPv6 address (with an optional trailing IPv4). */
export function ipv6Valid(candidate: string): boolean {
  const halves = candidate.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  let digit = false;
  for (let h = 0; h < halves.length; h++) {
    const half = halves[h] ?? '';
    if (half === '') continue;
    const parts = half.split(':');
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p] ?? '';
      const lastOfAll = h === halves.length - 1 && p === parts.length - 1;
      if (lastOfAll && part.includes('.')) {
        if (ipv4End(part, 0) !== part.length) return false;
        groups += 2;
        digit = true;
        continue;
      }
      if (!/^[0-9A-Fa-f]{1,4}$/.test(part)) return false;
      if (/[0-9]/.test(part)) digit = true;
      groups++;
    }
  }
  if (halves.length === 1) return groups === 8;
  if (groups > 7) return false;
  return candidate === '::1' || (digit && groups >= 2);
}

function isV6Char(code: number): boolean {
  return isHex(code) || code === 0x3a || code === 0x2e;
}

function findIpv6(text: string, out: PiiMatch[]): void {
  let colon = text.indexOf(':');
  while (colon !== -1) {
    let start = colon;
    while (start > 0 && colon - start <= MAX_V6 && isV6Char(text.charCodeAt(start - 1))) start--;
    let end = colon;
    while (end < text.length && end - colon <= MAX_V6 && isV6Char(text.charCodeAt(end))) end++;
    if (colon - start > MAX_V6 || end - colon > MAX_V6 || end - start > MAX_V6 + 1) {
      // Longer than any address: skip the whole stretch of address characters at once.
      while (end < text.length && isV6Char(text.charCodeAt(end))) end++;
      colon = text.indexOf(':', end);
      continue;
    }
    const found = trimmed(text, start, end, colon);
    if (found !== undefined) out.push({ kind: 'IP_ADDRESS', start: found[0], end: found[1], confidence: 0.9 });
    colon = text.indexOf(':', Math.max(end, colon + 1));
  }
}

/**
 * The address inside the stretch `[start, end)` around `colon`, if any: a lone leading or
 * trailing `:` (`ip:fe80::1`, `fe80::1:`) and trailing dots are sentence punctuation.
 */
function trimmed(text: string, start: number, end: number, colon: number): [number, number] | undefined {
  while (end > colon + 1 && text.charCodeAt(end - 1) === 0x2e) end--;
  if (text.charCodeAt(start) === 0x3a && codeAt(text, start + 1) !== 0x3a) start++;
  if (text.charCodeAt(end - 1) === 0x3a && codeAt(text, end - 2) !== 0x3a) end--;
  if (end <= start || isWordChar(codeAt(text, start - 1)) || isWordChar(codeAt(text, end))) return undefined;
  return ipv6Valid(text.slice(start, end)) ? [start, end] : undefined;
}

/** IPv4 and IPv6 addresses in `text`. */
export function findIps(text: string): PiiMatch[] {
  const out: PiiMatch[] = [];
  findIpv4(text, out);
  findIpv6(text, out);
  return out;
}
