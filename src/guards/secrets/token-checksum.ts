/**
 * The checksum GitHub puts in its tokens since 2021 and npm in its `npm_` tokens: the last six
 * characters are the CRC-32 of the 30 random characters before them, in base 62, left-padded with
 * zeros. A token whose checksum holds is almost surely issued, not typed.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const CRC_TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE) of the UTF-16 code units of `text`, each taken as one byte (ASCII input). */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** `value` in base 62, left-padded with `0` to `width` characters. */
export function base62(value: number, width: number): string {
  let out = '';
  let n = value;
  while (n > 0) {
    out = BASE62.charAt(n % 62) + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(width, '0');
}

/** True when the 36 characters after `prefix` end in the base-62 CRC-32 of the first 30. */
export function hasTokenChecksum(token: string, prefix: string): boolean {
  const body = token.slice(prefix.length);
  if (body.length !== 36) return false;
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}
