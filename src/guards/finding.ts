/**
 * What every guard reports: one finding per thing it recognised in a text, as a span of that text
 * (UTF-16 offsets, end exclusive) with a kind and a confidence. What happens to a finding (allow,
 * flag, redact, block) is decided by configuration, not by the detector; findings go to the audit
 * record as kind, count and action only, never the text they cover.
 */

/** The detectors Gatehouse runs. */
export type DetectorName = 'pii' | 'secrets' | 'injection' | 'exfiltration';

/**
 * What a finding may make the gateway do, per connector and kind: `allow` lets it pass unrecorded,
 * `flag` records it (and delivers suspected instructions wrapped as untrusted data), `redact`
 * replaces it with a label (`[EMAIL_1]`), `mask` keeps its shape (`j***@example.com`), `strip`
 * removes a suspected instruction, `block` refuses the call.
 */
export type GuardAction = 'allow' | 'flag' | 'redact' | 'mask' | 'strip' | 'block';

export interface Finding {
  readonly detector: DetectorName;
  /** Upper-case kind, e.g. EMAIL, CREDIT_CARD, IBAN, AWS_ACCESS_KEY, PRIVATE_KEY, INJECTION. */
  readonly kind: string;
  /** UTF-16 code-unit offsets into the scanned text, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** 0 to 1: how sure the detector is. */
  readonly confidence: number;
}

/** A detector: pure, synchronous, linear in the text's length, never throws on any string. */
export interface TextDetector {
  readonly name: DetectorName;
  detect(text: string): Finding[];
}
