/**
 * Phone-number validation with libphonenumber-js's full "max" metadata: a number must fall in an
 * allocated range of its country (a number type's pattern and lengths), not merely have a possible
 * length. The library's parser rebuilds every pattern on every call (about 30 µs a number), which
 * made it the detector's bottleneck, so the same metadata is compiled once here: for each calling
 * code, one regular expression per national-number length over every country sharing the code and
 * every number type allowing that length, and the national-prefix rules of each region, applied as
 * the library applies them. The parser remains the judge for calling codes whose metadata cannot be
 * read that way (non-geographic codes). phone-regions.test.ts pins that both ways agree.
 */
import { getCountries, getCountryCallingCode, Metadata, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Regions tried for numbers written without a country code: North America, the EU/EEA and UK,
 * and other large markets. Order only decides which region is tried first.
 */
export const DEFAULT_PHONE_REGIONS: readonly string[] = [
  'US', 'CA', 'GB', 'IE', 'DE', 'FR', 'IT', 'ES', 'PT', 'NL', 'BE', 'LU', 'CH', 'AT', 'SE', 'NO', 'DK',
  'FI', 'PL', 'CZ', 'AU', 'NZ', 'IN', 'BR', 'MX', 'JP', 'SG', 'ZA',
];

/** How a number written with its country code validated. */
export type PhoneVerdict = 'valid' | 'possible' | undefined;

/**
 * The numbering-plan accessors read here. They exist at run time on libphonenumber-js's
 * NumberingPlan but are not in its type declarations; where they are missing the parser decides.
 */
interface PlanPatterns {
  nationalNumberPattern?: () => string | undefined;
  nationalPrefixForParsing?: () => string | undefined;
  nationalPrefixTransformRule?: () => string | undefined;
  possibleLengths?: () => number[] | undefined;
  type?: (name: string) => { pattern?: () => string | undefined; possibleLengths?: () => number[] | undefined } | undefined;
}

/** The number types that make a number valid, as in libphonenumber's getNumberType. */
const TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];

/** Validity of national numbers under one calling code, and the main country's possible lengths. */
interface CallingCode {
  readonly valid: ReadonlyMap<number, RegExp>;
  readonly lengths: ReadonlySet<number>;
}

/** A region's rule for stripping (or rewriting) the national prefix, as the library applies it. */
type PrefixRule = (digits: string) => string | undefined;

function planOf(metadata: Metadata, country: CountryCode): PlanPatterns | undefined {
  metadata.selectNumberingPlan(country);
  return metadata.numberingPlan as PlanPatterns | undefined;
}

/**
 * Compiles one calling code's countries (`main` first, whose possible lengths the parser checks
 * when no country's ranges match); undefined when their metadata cannot be read.
 */
function compileCode(metadata: Metadata, main: CountryCode, countries: readonly CountryCode[]): CallingCode | undefined {
  const sources = new Map<number, string[]>();
  const lengths = new Set<number>(planOf(metadata, main)?.possibleLengths?.() ?? []);
  for (const country of countries) {
    const plan = planOf(metadata, country);
    const general = plan?.nationalNumberPattern?.();
    if (plan === undefined || typeof plan.type !== 'function' || !general || typeof plan.possibleLengths !== 'function') return undefined;
    const types = new Map<number, string[]>();
    for (const name of TYPES) {
      const type = plan.type(name);
      const pattern = type?.pattern?.();
      if (!pattern) continue;
      for (const length of type?.possibleLengths?.() ?? plan.possibleLengths() ?? []) {
        types.set(length, [...(types.get(length) ?? []), `(?:${pattern})`]);
      }
    }
    for (const [length, patterns] of types) {
      sources.set(length, [...(sources.get(length) ?? []), `(?=(?:${general})$)(?:${patterns.join('|')})`]);
    }
  }
  if (sources.size === 0) return undefined;
  return { valid: new Map([...sources].map(([n, list]) => [n, new RegExp(`^(?:${list.join('|')})$`)])), lengths };
}

/** libphonenumber's extractNationalNumberFromPossiblyIncompleteNumber, with the region's patterns compiled. */
function prefixRule(plan: PlanPatterns | undefined): PrefixRule | undefined {
  if (typeof plan?.nationalPrefixForParsing !== 'function' || typeof plan.nationalPrefixTransformRule !== 'function') return undefined;
  const source = plan.nationalPrefixForParsing();
  const transform = plan.nationalPrefixTransformRule();
  if (!source) return () => undefined;
  const prefix = new RegExp(`^(?:${source})`);
  return (digits) => {
    const match = prefix.exec(digits);
    if (match === null) return undefined;
    const captured = match.length > 1 && match[match.length - 1];
    return transform && captured ? digits.replace(prefix, transform) : digits.slice(match[0].length);
  };
}

function isValidIn(code: CallingCode, nationalNumber: string | undefined): boolean {
  return nationalNumber !== undefined && nationalNumber.length > 0 && code.valid.get(nationalNumber.length)?.test(nationalNumber) === true;
}

/** Throws a TypeError naming every region code libphonenumber does not know. */
export function checkRegions(regions: readonly string[]): CountryCode[] {
  const known = new Set<string>(getCountries());
  const unknown = regions.filter((r) => !known.has(r));
  if (unknown.length > 0) throw new TypeError(`pii: unknown phone region(s) ${unknown.join(', ')}; use ISO 3166-1 alpha-2 codes`);
  if (regions.length === 0) throw new TypeError('pii: phoneRegions must name at least one region');
  return regions.map((r) => r as CountryCode);
}

/** A validator bound to a list of default regions. */
export interface PhoneValidator {
  /** Digits after `+` (or after an international call prefix): 'valid', 'possible' (length only) or undefined. */
  international(digits: string): PhoneVerdict;
  /** True when `digits`, written without a country code, are valid in one of the default regions. */
  national(digits: string): boolean;
}

function byParser(text: string, region?: CountryCode): PhoneVerdict {
  try {
    const phone = parsePhoneNumberFromString(text, region === undefined ? { extract: false } : { defaultCountry: region, extract: false });
    if (phone === undefined) return undefined;
    if (phone.isValid()) return 'valid';
    return phone.isPossible() ? 'possible' : undefined;
  } catch {
    return 'possible'; // Fail closed: a number the library chokes on is reported, not skipped.
  }
}

/** The countries of a calling code, main one first (a run-time method missing from the typings). */
function mainCountries(metadata: Metadata, code: string): readonly string[] | undefined {
  const lookup = (metadata as unknown as { getCountryCodesForCallingCode?: (code: string) => string[] | undefined }).getCountryCodesForCallingCode;
  return typeof lookup === 'function' ? lookup.call(metadata, code) : undefined;
}

interface RegionCheck {
  readonly region: CountryCode;
  readonly callingCode: string;
  readonly code: CallingCode | undefined;
  readonly prefix: PrefixRule | undefined;
  /** The region's general pattern matches and the number is not too long for it. */
  readonly nationalFits: (nationalNumber: string) => boolean;
}

function nationalFits(plan: PlanPatterns | undefined): (nationalNumber: string) => boolean {
  const pattern = plan?.nationalNumberPattern?.();
  const longest = Math.max(...(plan?.possibleLengths?.() ?? [Infinity]));
  if (!pattern) return () => true;
  const general = new RegExp(`^(?:${pattern})$`);
  return (nationalNumber) => nationalNumber.length <= longest && general.test(nationalNumber);
}

/** Builds the validator once, at detector construction. */
export function createPhoneValidator(regions: readonly string[]): PhoneValidator {
  const metadata = new Metadata();
  const countriesByCode = new Map<string, CountryCode[]>();
  for (const country of getCountries()) {
    const code = getCountryCallingCode(country);
    countriesByCode.set(code, [...(countriesByCode.get(code) ?? []), country]);
  }
  const codes = new Map<string, CallingCode | undefined>();
  const rules = new Map<string, PrefixRule | undefined>();
  for (const [code, countries] of countriesByCode) {
    // The first country listed for a calling code is its main one, whose rules the parser uses.
    const main = (mainCountries(metadata, code)?.[0] ?? countries[0]) as CountryCode | undefined;
    if (main === undefined) continue;
    codes.set(code, compileCode(metadata, main, countries));
    rules.set(code, prefixRule(planOf(metadata, main)));
  }
  const checks: RegionCheck[] = checkRegions(regions).map((region) => {
    const callingCode = getCountryCallingCode(region);
    const plan = planOf(metadata, region);
    return { region, callingCode, code: codes.get(callingCode), prefix: prefixRule(plan), nationalFits: nationalFits(plan) };
  });
  return {
    international(digits) {
      for (let length = 1; length <= 3 && length < digits.length; length++) {
        const callingCode = digits.slice(0, length);
        if (!codes.has(callingCode)) continue;
        const code = codes.get(callingCode);
        const rule = rules.get(callingCode);
        if (code === undefined || rule === undefined) return byParser(`+${digits}`);
        const nationalNumber = digits.slice(length);
        const stripped = rule(nationalNumber);
        if (isValidIn(code, nationalNumber) || isValidIn(code, stripped)) return 'valid';
        const possible = code.lengths.has(nationalNumber.length) || (stripped !== undefined && code.lengths.has(stripped.length));
        return possible ? 'possible' : undefined;
      }
      return byParser(`+${digits}`);
    },
    national(digits) {
      for (const check of checks) {
        if (check.code === undefined || check.prefix === undefined) {
          if (byParser(digits, check.region) === 'valid') return true;
          continue;
        }
        if (isValidIn(check.code, digits) || isValidIn(check.code, check.prefix(digits))) return true;
        // The country calling code written without `+`: the parser drops it only when the whole
        // number cannot be a national one (extractCountryCallingCodeFromInternationalNumberWithoutPlusSign).
        if (!digits.startsWith(check.callingCode) || check.nationalFits(check.prefix(digits) ?? digits)) continue;
        const withoutCode = digits.slice(check.callingCode.length);
        if (isValidIn(check.code, withoutCode) || isValidIn(check.code, check.prefix(withoutCode))) return true;
      }
      return false;
    },
  };
}
