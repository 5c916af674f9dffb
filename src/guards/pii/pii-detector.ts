/**
 * The PII detector: e-mail addresses, phone numbers, payment cards, IBANs, US SSNs, IP addresses
 * and dates of birth, each validated (checksums, number ranges, registered lengths) rather than
 * matched by shape alone. The text is scanned once per kind over a normalised copy (zero-width
 * characters dropped, full-width forms folded, see normalize-text.ts) and every finding is mapped
 * back to the original UTF-16 offsets. Where two findings overlap the stronger kind wins (an IBAN
 * over the card number inside it, a card over a phone-looking group of its digits).
 *
 * Pure and linear in the text's length; `detect` never throws. Options are checked once, here.
 */
import type { Finding, TextDetector } from '../finding.js';
import { findBirthDates } from './find-birth-dates.js';
import { findCards } from './find-cards.js';
import { findEmails } from './find-emails.js';
import { findIbans } from './find-ibans.js';
import { findIps } from './find-ips.js';
import { findPhones } from './find-phones.js';
import { findSsns } from './find-ssns.js';
import { normalizeText, spanToOriginal } from './normalize-text.js';
import { findNumericRuns, type NumericRun } from './numeric-runs.js';
import { createPhoneValidator, DEFAULT_PHONE_REGIONS, type PhoneValidator } from './phone-regions.js';
import { PII_KINDS, type PiiKind, type PiiMatch } from './pii-kinds.js';

/** Options of {@link createPiiDetector}; every one is optional. */
export interface PiiDetectorOptions {
  /** Kinds to report. Default: all of {@link PII_KINDS}. */
  readonly kinds?: readonly PiiKind[];
  /** ISO 3166 regions tried for phone numbers written without a country code. */
  readonly phoneRegions?: readonly string[];
  /** Findings below this confidence are dropped. Default 0 (report everything found). */
  readonly minConfidence?: number;
}

const OPTION_KEYS = new Set(['kinds', 'phoneRegions', 'minConfidence']);

/** Which kind wins an overlap: higher first. */
const PRIORITY: Readonly<Record<PiiKind, number>> = {
  EMAIL: 7,
  IBAN: 6,
  CREDIT_CARD: 5,
  US_SSN: 4,
  IP_ADDRESS: 4,
  DATE_OF_BIRTH: 3,
  PHONE: 2,
};

function outranks(a: PiiMatch, b: PiiMatch): boolean {
  const pa = PRIORITY[a.kind];
  const pb = PRIORITY[b.kind];
  if (pa !== pb) return pa > pb;
  const la = a.end - a.start;
  const lb = b.end - b.start;
  return la !== lb ? la > lb : a.confidence > b.confidence;
}

/**
 * Keeps a set of non-overlapping matches: sweeping by start, a match replaces the kept ones it
 * overlaps only if it outranks all of them. Each match is kept or dropped once: O(n log n).
 */
export function resolveOverlaps(matches: readonly PiiMatch[]): PiiMatch[] {
  const sorted = [...matches].sort((a, b) => a.start - b.start || PRIORITY[b.kind] - PRIORITY[a.kind] || b.end - a.end);
  const kept: PiiMatch[] = [];
  for (const m of sorted) {
    let k = kept.length;
    let wins = true;
    while (k > 0) {
      const last = kept[k - 1];
      if (last === undefined || last.end <= m.start) break;
      if (!outranks(m, last)) {
        wins = false;
        break;
      }
      k--;
    }
    if (wins) {
      kept.length = k;
      kept.push(m);
    }
  }
  return kept;
}

function checkOptions(options: PiiDetectorOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('pii: options must be an object');
  const unknown = Object.keys(options).filter((k) => !OPTION_KEYS.has(k));
  if (unknown.length > 0) throw new TypeError(`pii: unknown option(s) ${unknown.join(', ')}`);
  const badKinds = (options.kinds ?? []).filter((k) => !(PII_KINDS as readonly string[]).includes(k));
  if (badKinds.length > 0) throw new TypeError(`pii: unknown kind(s) ${badKinds.join(', ')}; known: ${PII_KINDS.join(', ')}`);
  const min = options.minConfidence ?? 0;
  if (typeof min !== 'number' || !(min >= 0 && min <= 1)) throw new TypeError('pii: minConfidence must be a number from 0 to 1');
}

/** A scanner over the normalised text; `runs` is set when it reads numeric runs. */
interface Scanner {
  readonly kind: PiiKind;
  readonly usesRuns: boolean;
  scan(text: string, runs: readonly NumericRun[]): PiiMatch[];
}

function scannersFor(kinds: ReadonlySet<PiiKind>, phones: PhoneValidator): Scanner[] {
  const all: Scanner[] = [
    { kind: 'EMAIL', usesRuns: false, scan: (t) => findEmails(t) },
    { kind: 'IBAN', usesRuns: false, scan: (t) => findIbans(t) },
    { kind: 'CREDIT_CARD', usesRuns: true, scan: findCards },
    { kind: 'US_SSN', usesRuns: true, scan: findSsns },
    { kind: 'IP_ADDRESS', usesRuns: false, scan: (t) => findIps(t) },
    { kind: 'DATE_OF_BIRTH', usesRuns: false, scan: (t) => findBirthDates(t) },
    { kind: 'PHONE', usesRuns: true, scan: (t, runs) => findPhones(t, runs, phones) },
  ];
  // A kind left out still runs when it can outrank a kind asked for: an IBAN's digits are not a
  // card, an IP is not a phone. Its matches win the overlap and are then dropped.
  const lowest = Math.min(...[...kinds].map((k) => PRIORITY[k]));
  return all.filter((s) => kinds.has(s.kind) || PRIORITY[s.kind] > lowest);
}

/** Creates the PII detector (name `pii`). Throws a TypeError on bad options, never on a text. */
export function createPiiDetector(options: PiiDetectorOptions = {}): TextDetector {
  checkOptions(options);
  const kinds = new Set<PiiKind>(options.kinds ?? PII_KINDS);
  const minConfidence = options.minConfidence ?? 0;
  const phones = createPhoneValidator(options.phoneRegions ?? DEFAULT_PHONE_REGIONS);
  const scanners = scannersFor(kinds, phones);
  const usesRuns = scanners.some((s) => s.usesRuns);
  return {
    name: 'pii',
    detect(text: string): Finding[] {
      if (typeof text !== 'string' || text.length === 0) return [];
      const normalized = normalizeText(text);
      const scanned = normalized.text;
      const runs = usesRuns ? findNumericRuns(scanned) : [];
      const matches: PiiMatch[] = [];
      for (const scanner of scanners) for (const m of scanner.scan(scanned, runs)) matches.push(m);
      const findings: Finding[] = [];
      for (const m of resolveOverlaps(matches)) {
        if (!kinds.has(m.kind) || m.confidence < minConfidence) continue;
        const [start, end] = spanToOriginal(normalized, m.start, m.end);
        findings.push({ detector: 'pii', kind: m.kind, start, end, confidence: m.confidence });
      }
      return findings;
    },
  };
}
