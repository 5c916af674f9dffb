/**
 * IBANs: a country code with its registered length, check digits 02–98 and a passing ISO 7064
 * mod-97 check, written together or in groups joined by single spaces or dashes. Upper case is the
 * norm; an IBAN typed with lower-case letters must also match its country's BBAN layout, which
 * keeps lower-case hex and base-32 tokens out.
 */
import { codeAt, isAlnum, isDigit, isLetter } from './ascii.js';
import type { PiiMatch } from './pii-kinds.js';

/**
 * Country → IBAN length and BBAN layout (counts of n = digits, a = upper-case letters, c = either),
 * after the SWIFT IBAN registry.
 */
const COUNTRIES: Readonly<Record<string, readonly [number, string]>> = {
  AD: [24, '4n4n12c'], AE: [23, '3n16n'], AL: [28, '8n16c'], AT: [20, '5n11n'], AZ: [28, '4a20c'],
  BA: [20, '3n3n8n2n'], BE: [16, '3n7n2n'], BG: [22, '4a4n2n8c'], BH: [22, '4a14c'], BI: [27, '5n5n11n2n'],
  BR: [29, '8n5n10n1a1c'], BY: [28, '4c4n16c'], CH: [21, '5n12c'], CR: [22, '4n14n'], CY: [28, '3n5n16c'],
  CZ: [24, '4n6n10n'], DE: [22, '8n10n'], DJ: [27, '5n5n11n2n'], DK: [18, '4n9n1n'], DO: [28, '4c20n'],
  EE: [20, '2n2n11n1n'], EG: [29, '4n4n17n'], ES: [24, '4n4n1n1n10n'], FI: [18, '3n11n'], FK: [18, '2a12n'],
  FO: [18, '4n9n1n'], FR: [27, '5n5n11c2n'], GB: [22, '4a6n8n'], GE: [22, '2a16n'], GI: [23, '4a15c'],
  GL: [18, '4n9n1n'], GR: [27, '3n4n16c'], GT: [28, '4c20c'], HN: [28, '4a20n'], HR: [21, '7n10n'],
  HU: [28, '3n4n1n15n1n'], IE: [22, '4c6n8n'], IL: [23, '3n3n13n'], IQ: [23, '4a3n12n'], IS: [26, '4n2n6n10n'],
  IT: [27, '1a5n5n12c'], JO: [30, '4a4n18c'], KW: [30, '4a22c'], KZ: [20, '3n13c'], LB: [28, '4n20c'],
  LC: [32, '4a24c'], LI: [21, '5n12c'], LT: [20, '5n11n'], LU: [20, '3n13c'], LV: [21, '4a13c'],
  LY: [25, '3n3n15n'], MC: [27, '5n5n11c2n'], MD: [24, '2c18c'], ME: [22, '3n13n2n'], MK: [19, '3n10c2n'],
  MN: [20, '4n12n'], MR: [27, '5n5n11n2n'], MT: [31, '4a5n18c'], MU: [30, '4a2n2n12n3n3a'], NI: [28, '4a20n'],
  NL: [18, '4a10n'], NO: [15, '4n6n1n'], OM: [23, '3n16c'], PK: [24, '4a16c'], PL: [28, '8n16n'],
  PS: [29, '4a21c'], PT: [25, '4n4n11n2n'], QA: [29, '4a21c'], RO: [24, '4a16c'], RS: [22, '3n13n2n'],
  RU: [33, '9n5n15c'], SA: [24, '2n18c'], SC: [31, '4a2n2n16n3a'], SD: [18, '2n12n'], SE: [24, '3n16n1n'],
  SI: [19, '5n8n2n'], SK: [24, '4n6n10n'], SM: [27, '1a5n5n12c'], SO: [23, '4n3n12n'], ST: [25, '4n4n11n2n'],
  SV: [28, '4a20n'], TL: [23, '3n14n2n'], TN: [24, '2n3n13n2n'], TR: [26, '5n1n16c'], UA: [29, '6n19c'],
  VA: [22, '3n15n'], VG: [24, '4a16n'], XK: [20, '4n10n2n'], YE: [30, '4a4n18c'],
};

/** ISO 7064 mod 97-10 over an upper-case IBAN: true when the remainder is 1. */
export function ibanChecksumValid(iban: string): boolean {
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < moved.length; i++) {
    const code = moved.charCodeAt(i);
    if (isDigit(code)) rest = (rest * 10 + (code - 0x30)) % 97;
    else rest = (rest * 100 + (code - 55)) % 97;
  }
  return rest === 1;
}

/** True when `bban` (upper-cased) matches a layout such as `4a6n8n`. */
function layoutMatches(bban: string, layout: string): boolean {
  let at = 0;
  for (const [, count, cls] of layout.matchAll(/(\d+)([nac])/g)) {
    for (let k = 0; k < Number(count); k++, at++) {
      const code = bban.charCodeAt(at);
      if (cls === 'n' && !isDigit(code)) return false;
      if (cls === 'a' && !isLetter(code)) return false;
      if (cls === 'c' && !isAlnum(code)) return false;
    }
  }
  return at === bban.length;
}

/** Validates a compact IBAN (letters in any case), as typed. */
export function ibanValid(compact: string): boolean {
  const upper = compact.toUpperCase();
  const entry = COUNTRIES[upper.slice(0, 2)];
  if (entry === undefined || upper.length !== entry[0]) return false;
  const check = Number(upper.slice(2, 4));
  if (!(check >= 2 && check <= 98)) return false;
  if (upper !== compact && !layoutMatches(upper.slice(4), entry[1])) return false;
  return ibanChecksumValid(upper);
}

const START = /\b[A-Za-z]{2}[0-9]{2}/g;

/** Reads `length` alphanumerics from `start`, skipping single spaces or dashes; returns [compact, end]. */
function collect(text: string, start: number, length: number): [string, number] | undefined {
  let compact = '';
  let i = start;
  while (compact.length < length && i < text.length) {
    const code = text.charCodeAt(i);
    if (isAlnum(code)) {
      compact += text[i];
      i++;
    } else if ((code === 0x20 || code === 0x2d) && isAlnum(codeAt(text, i + 1)) && compact.length >= 4) {
      i++;
    } else {
      break;
    }
  }
  if (compact.length !== length || isAlnum(codeAt(text, i))) return undefined;
  return [compact, i];
}

/** IBANs in `text`. */
export function findIbans(text: string): PiiMatch[] {
  const out: PiiMatch[] = [];
  START.lastIndex = 0;
  for (let m = START.exec(text); m !== null; m = START.exec(text)) {
    const entry = COUNTRIES[m[0].slice(0, 2).toUpperCase()];
    if (entry === undefined) continue;
    const found = collect(text, m.index, entry[0]);
    if (found === undefined || !ibanValid(found[0])) continue;
    out.push({ kind: 'IBAN', start: m.index, end: found[1], confidence: 0.95 });
    START.lastIndex = found[1];
  }
  return out;
}
