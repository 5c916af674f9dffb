/**
 * ASCII character classes on UTF-16 code units, shared by the PII scanners so that each one reads
 * the text as char codes in a single forward pass (no backtracking regular expressions).
 */

/** `0`–`9`. */
export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** `A`–`Z` or `a`–`z`. */
export function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** `A`–`Z`. */
export function isUpper(code: number): boolean {
  return code >= 0x41 && code <= 0x5a;
}

/** An ASCII letter or digit. */
export function isAlnum(code: number): boolean {
  return isDigit(code) || isLetter(code);
}

/** `0`–`9`, `a`–`f`, `A`–`F`. */
export function isHex(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/**
 * A character that glues onto a word: ASCII letters and digits, `_`, and accented Latin letters
 * (U+00C0–U+024F). Scanners require a non-word character (or the text's edge) on both sides of what
 * they report. Scripts written without spaces (CJK) do not count, so `電話09012345678` still splits.
 */
export function isWordChar(code: number): boolean {
  return isAlnum(code) || code === 0x5f || (code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7);
}

/** Char code at `index`, or -1 outside the text. */
export function codeAt(text: string, index: number): number {
  return index >= 0 && index < text.length ? text.charCodeAt(index) : -1;
}

/** Value of the decimal digits of `text` as a string (separators dropped). */
export function digitsOf(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) if (isDigit(text.charCodeAt(i))) out += text[i];
  return out;
}
