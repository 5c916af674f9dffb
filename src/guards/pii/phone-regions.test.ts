/**
 * The compiled phone validator against libphonenumber-js's own parser (`isValid()`, `isPossible()`
 * with the same "max" metadata): every country's example number validates, and on seeded random
 * digit strings both ways give the same answer, nationally in each default region and
 * internationally. This is what lets the detector skip the parser on its hot path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getCountries, getCountryCallingCode, getExampleNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { checkRegions, createPhoneValidator, DEFAULT_PHONE_REGIONS } from './phone-regions.js';

/** Deterministic digits (a linear congruential generator), so a failure names its input. */
function digitStrings(seed: number, count: number, prefixes: readonly string[]): string[] {
  let state = seed;
  const next = (): number => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let digits = prefixes[Math.floor(next() * prefixes.length)] ?? '';
    const length = digits.length + 5 + Math.floor(next() * 8);
    while (digits.length < length) digits += String(Math.floor(next() * 10));
    out.push(digits);
  }
  return out;
}

function parserVerdict(text: string, region?: CountryCode): 'valid' | 'possible' | undefined {
  const phone = parsePhoneNumberFromString(text, region === undefined ? { extract: false } : { defaultCountry: region, extract: false });
  if (phone === undefined) return undefined;
  if (phone.isValid()) return 'valid';
  return phone.isPossible() ? 'possible' : undefined;
}

describe('phone validator', () => {
  const all = createPhoneValidator(['US']);

  it("accepts every country's example number, written internationally", () => {
    const missed: string[] = [];
    for (const country of getCountries()) {
      const example = getExampleNumber(country, examples);
      if (example === undefined) continue;
      if (all.international(example.number.slice(1)) !== 'valid') missed.push(`${country} ${example.number}`);
    }
    assert.deepEqual(missed, []);
  });

  it('accepts the example numbers of the default regions written nationally', () => {
    for (const region of checkRegions(DEFAULT_PHONE_REGIONS)) {
      const example = getExampleNumber(region, examples);
      if (example === undefined) continue;
      const national = example.formatNational().replace(/\D/g, '');
      assert.equal(createPhoneValidator([region]).national(national), true, `${region} ${national}`);
    }
  });

  it('agrees with the parser on national numbers in every default region', () => {
    const disagreements: string[] = [];
    for (const region of checkRegions(DEFAULT_PHONE_REGIONS)) {
      const validator = createPhoneValidator([region]);
      const callingCode = getCountryCallingCode(region);
      for (const digits of digitStrings(region.charCodeAt(0) * 31 + region.charCodeAt(1), 400, ['', '', '0', '1', '06', '07'])) {
        const parsed = parsePhoneNumberFromString(digits, { defaultCountry: region, extract: false });
        // Digits starting with the region's international call prefix are read as another country's number.
        if (parsed !== undefined && parsed.countryCallingCode !== callingCode) continue;
        const expected = parserVerdict(digits, region) === 'valid';
        if (validator.national(digits) !== expected) disagreements.push(`${region} ${digits}: parser ${expected}`);
      }
    }
    assert.deepEqual(disagreements, []);
  });

  it('agrees with the parser on international numbers', () => {
    const codes = ['1', '7', '20', '27', '31', '33', '34', '39', '41', '44', '46', '48', '49', '52', '55', '61', '81', '86', '91', '353', '358', '420', '800', '882'];
    const disagreements: string[] = [];
    for (const digits of digitStrings(20240601, 3000, codes)) {
      const expected = parserVerdict(`+${digits}`);
      const actual = all.international(digits);
      if (actual !== expected) disagreements.push(`+${digits}: parser ${String(expected)}, compiled ${String(actual)}`);
    }
    assert.deepEqual(disagreements, []);
  });

  it('rejects unknown regions and an empty list', () => {
    assert.throws(() => createPhoneValidator(['ZZ']), /unknown phone region\(s\) ZZ/);
    assert.throws(() => createPhoneValidator([]), /at least one region/);
  });
});
