/**
 * Runs the content detectors over a text: the one code path shared by the gateway's guard stages,
 * `gatehouse scan` and the evaluation script, so what a security team tries on sample text is
 * what the gateway will do. Detectors are built once (the injection model is loaded once per
 * process); a detector that throws fails the scan closed with GUARD_FAILED.
 */
import { GatehouseError } from '../errors/catalog.js';
import type { Finding, TextDetector } from './finding.js';
import type { ContentDetector } from './guard-config.js';
import { createInjectionDetector } from './injection/injection-detector.js';
import { normalizeText, spanToOriginal } from './pii/normalize-text.js';
import { createPiiDetector } from './pii/pii-detector.js';
import { createSecretsDetector } from './secrets/secrets-detector.js';

export interface GuardScanner {
  /** Findings of the named detectors, in detector order. */
  scan(text: string, detectors: readonly ContentDetector[]): Finding[];
}

export interface GuardScannerOptions {
  /** Injection model threshold; default: the shipped model's. */
  readonly injectionThreshold?: number;
}

/**
 * A detector run over the normalised copy of a text (zero-width characters dropped, full-width
 * forms folded: normalize-text.ts), its findings mapped back to the original offsets, so a key
 * with a zero-width space inside is still found and redacted whole.
 */
function throughObfuscation(detector: TextDetector): TextDetector {
  return {
    name: detector.name,
    detect(text) {
      const normalized = normalizeText(text);
      if (normalized.text === text) return detector.detect(text);
      return detector.detect(normalized.text).map((finding) => {
        const [start, end] = spanToOriginal(normalized, finding.start, finding.end);
        return { ...finding, start, end };
      });
    },
  };
}

export function createGuardScanner(options: GuardScannerOptions = {}): GuardScanner {
  const detectors: Readonly<Record<ContentDetector, TextDetector>> = {
    // The PII detector normalises by itself; the injection detector folds text its own way.
    pii: createPiiDetector(),
    secrets: throughObfuscation(createSecretsDetector()),
    injection: createInjectionDetector(options.injectionThreshold === undefined ? {} : { threshold: options.injectionThreshold }),
  };
  return {
    scan(text, names) {
      const findings: Finding[] = [];
      for (const name of names) {
        try {
          for (const finding of detectors[name].detect(text)) findings.push(finding);
        } catch (error) {
          throw new GatehouseError('GUARD_FAILED', `The ${name} guard could not inspect the content.`, { detector: name }, { cause: error });
        }
      }
      return findings;
    },
  };
}
