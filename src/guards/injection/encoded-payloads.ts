/**
 * Text hidden in an encoding: base64 runs and percent-encoded runs that decode to readable text.
 * An instruction written as `SWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM=` is as much an
 * instruction to a model that decodes it as the plain words are. Each payload is decoded once
 * (no recursion), at most MAX_PAYLOADS per text, so the work stays linear.
 */

export interface DecodedPayload {
  /** The encoded run's UTF-16 offsets in the original text. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const MAX_PAYLOADS = 64;
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/g;
const MIN_ESCAPES = 4;

/** Share of characters that are printable text (letters, digits, punctuation, spaces). */
function readableShare(text: string): number {
  if (text.length === 0) return 0;
  let readable = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 32 && code < 127) || code === 10 || code === 13 || code === 9 || (code >= 0xa0 && code !== 0xfffd)) readable++;
  }
  return readable / text.length;
}

/** Decoded text worth scanning: mostly readable and with at least two words. */
function worthScanning(text: string): boolean {
  return readableShare(text) >= 0.9 && /\p{L}{2,}\s+\p{L}{2,}/u.test(text);
}

export function decodedPayloads(text: string): DecodedPayload[] {
  const payloads: DecodedPayload[] = [];
  for (const match of text.matchAll(BASE64_RUN)) {
    if (payloads.length >= MAX_PAYLOADS) break;
    const run = match[0];
    const decoded = Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    if (worthScanning(decoded)) payloads.push({ start: match.index, end: match.index + run.length, text: decoded });
  }
  for (let at = text.indexOf('%'); at >= 0 && payloads.length < MAX_PAYLOADS; at = text.indexOf('%', at + 1)) {
    // The whitespace-free token around the escape; each token is looked at once.
    let start = at;
    while (start > 0 && !isSpace(text.charCodeAt(start - 1))) start--;
    let end = at;
    while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
    const token = text.slice(start, end);
    at = end;
    if ((token.match(PERCENT_ESCAPE)?.length ?? 0) < MIN_ESCAPES) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(token.replace(/\+/g, ' '));
    } catch {
      continue; // a malformed escape: nothing readable hides there
    }
    if (worthScanning(decoded)) payloads.push({ start, end, text: decoded });
  }
  return payloads;
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}
