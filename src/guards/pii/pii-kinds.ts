/**
 * The kinds the PII detector reports and the match record its scanners return before the
 * detector resolves overlaps and maps offsets back to the original text.
 */

/** Every kind the PII detector can report. */
export const PII_KINDS = [
  'EMAIL',
  'PHONE',
  'CREDIT_CARD',
  'IBAN',
  'US_SSN',
  'IP_ADDRESS',
  'DATE_OF_BIRTH',
] as const;

/** One of {@link PII_KINDS}. */
export type PiiKind = (typeof PII_KINDS)[number];

/** What a scanner found, as offsets of the text it scanned (end exclusive). */
export interface PiiMatch {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
}
