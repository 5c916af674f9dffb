/**
 * Fake credentials for the secrets detector's tests, assembled at run time from a prefix and
 * seeded random characters, so the repository holds no literal key for a secret scanner (or a
 * reader) to mistake for a live one. Deterministic: the same seed gives the same tokens.
 */
import { Buffer } from 'node:buffer';
import { base62, crc32 } from './token-checksum.js';

/** Alphabets for {@link FakeTokens.chars}. */
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';
export const HEX = '0123456789abcdef';
export const ALNUM = UPPER + LOWER + DIGITS;
export const BASE64 = ALNUM + '+/';
export const BASE64URL = ALNUM + '-_';

/** A seeded generator of random strings (mulberry32). */
export class FakeTokens {
  private state: number;

  constructor(seed = 0x5eed) {
    this.state = seed >>> 0;
  }

  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** `length` characters drawn from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet.charAt(Math.floor(this.next() * alphabet.length));
    return out;
  }

  /** `prefix` followed by `length` characters of `alphabet`. */
  token(prefix: string, alphabet: string, length: number): string {
    return prefix + this.chars(alphabet, length);
  }

  /** A GitHub/npm style token: 30 random characters and their base-62 CRC-32. */
  checksummed(prefix: string, valid = true): string {
    const random = this.chars(ALNUM, 30);
    const check = base62(crc32(random), 6);
    const wrong = check === 'zzzzzz' ? 'yyyyyy' : 'zzzzzz';
    return prefix + random + (valid ? check : wrong);
  }

  /** A random lower-case UUID (version 4 layout). */
  uuid(): string {
    return `${this.chars(HEX, 8)}-${this.chars(HEX, 4)}-4${this.chars(HEX, 3)}-a${this.chars(HEX, 3)}-${this.chars(HEX, 12)}`;
  }

  /** A JWT with the given header and payload and a random signature (empty when `signed` is false). */
  jwt(header: object = { alg: 'HS256', typ: 'JWT' }, payload: object = { sub: 'user-1', iat: 1700000000 }, signed = true): string {
    const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${part(header)}.${part(payload)}.${signed ? this.chars(BASE64URL, 43) : ''}`;
  }

  /** A PEM block of `label` (e.g. `RSA PRIVATE KEY`) with `lines` lines of random base64. */
  pem(label: string, lines = 6, newline = '\n'): string {
    const dashes = '-'.repeat(5);
    const body = Array.from({ length: lines }, () => this.chars(BASE64, 64)).join(newline);
    return `${dashes}BEGIN ${label}${dashes}${newline}${body}${newline}${dashes}END ${label}${dashes}`;
  }
}
