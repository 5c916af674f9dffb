/**
 * Text hidden in an encoding: base64 runs and percent-encoded runs that decode to readable text.
 * An instruction written as `SWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM=` is as much an
 * instruction to a model that decodes it as the plain words are. Each payload is decoded once
 * (no recursion). Every check is a single pass over the decoded bytes, and decoding stops after
 * MAX_DECODED characters of readable payloads per text: past that the caller is told (`overflow`)
 * rather than silently left unscanned.
 */

export interface DecodedPayload {
  /** The encoded run's UTF-16 offsets in the original text. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface DecodedPayloads {
  readonly payloads: DecodedPayload[];
  /** True when more readable payloads were there than MAX_DECODED allows to scan. */
  readonly overflow: boolean;
}

/** Characters of readable decoded text scanned per text, at most. */
export const MAX_DECODED = 256 * 1024;
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
const MIN_ESCAPES = 4;

function isLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0xc0 && code !== 0xfffd && code !== 0xd7 && code !== 0xf7);
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/**
 * Decoded text worth scanning: at least 90% printable, and two words of two letters or more
 * apart by white space. One pass, no regular expression.
 */
function worthScanning(text: string): boolean {
  if (text.length === 0) return false;
  let readable = 0;
  // 0: before a word; 1: in a word of >= 2 letters; 2: after such a word and white space.
  let words = 0;
  let letters = 0;
  let sawSpaceAfterWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 32 && code < 127) || code === 10 || code === 13 || code === 9 || (code >= 0xa0 && code !== 0xfffd)) readable++;
    if (isLetter(code)) {
      letters++;
      if (letters === 2) {
        if (words === 0 || sawSpaceAfterWord) words++;
        sawSpaceAfterWord = false;
      }
    } else {
      if (isSpace(code) && words > 0 && letters >= 2) sawSpaceAfterWord = true;
      else if (!isSpace(code)) sawSpaceAfterWord = false;
      letters = 0;
    }
  }
  return words >= 2 && readable / text.length >= 0.9;
}

/** `%XX` escapes decoded byte by byte; anything else kept as UTF-8. A malformed escape stays as it is. */
function decodePercent(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    if (code === 0x25 && i + 2 < token.length) {
      const hex = token.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
    }
    if (code === 0x2b) bytes.push(0x20);
    else if (code < 0x80) bytes.push(code);
    else for (const b of Buffer.from(token.charAt(i), 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

function countEscapes(token: string): number {
  let count = 0;
  for (let i = token.indexOf('%'); i >= 0 && i + 2 < token.length; i = token.indexOf('%', i + 1)) {
    if (/^[0-9A-Fa-f]{2}$/.test(token.slice(i + 1, i + 3))) count++;
  }
  return count;
}

export function decodedPayloads(text: string): DecodedPayloads {
  const payloads: DecodedPayload[] = [];
  let budget = MAX_DECODED;
  let overflow = false;
  const keep = (start: number, end: number, decoded: string): boolean => {
    if (!worthScanning(decoded)) return true;
    if (decoded.length > budget) {
      overflow = true;
      return false;
    }
    budget -= decoded.length;
    payloads.push({ start, end, text: decoded });
    return true;
  };
  for (const match of text.matchAll(BASE64_RUN)) {
    const run = match[0];
    const decoded = Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    if (!keep(match.index, match.index + run.length, decoded)) break;
  }
  for (let at = text.indexOf('%'); at >= 0 && !overflow; at = text.indexOf('%', at + 1)) {
    // The whitespace-free token around the escape; each token is looked at once.
    let start = at;
    while (start > 0 && !isSpace(text.charCodeAt(start - 1))) start--;
    let end = at;
    while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
    const token = text.slice(start, end);
    at = end;
    if (countEscapes(token) < MIN_ESCAPES) continue;
    if (!keep(start, end, decodePercent(token))) break;
  }
  return { payloads, overflow };
}
