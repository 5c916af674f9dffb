/**
 * The prompt-injection detector for text coming back from connectors and for upstream tool
 * descriptions. Two parts, both in-process and offline:
 *
 * - precise rules (injection-rules.ts) for the shapes attacks have in common;
 * - a trained model (injection-model.ts) that scores every segment (a line or sentence, see
 *   segments.ts) on its own, so a single planted instruction in a long document is judged on
 *   its own words, not drowned by the document around it.
 *
 * Text is folded first (fold-text.ts: zero-width characters, full-width forms and mixed-script
 * look-alikes undone). Base64 and percent-encoded runs that decode to text are decoded once and
 * scanned too; a hit inside one is reported on the encoded span. Findings cover whole segments.
 *
 * Linear in the text's length (bounded segments, bounded rule gaps, one decoding level, a cap on
 * decoded text, reported as UNREADABLE when reached).
 */
import type { Finding, TextDetector } from '../finding.js';
import { decodedPayloads } from './encoded-payloads.js';
import type { InjectionKind } from './injection-kinds.js';
import { foldText } from './fold-text.js';
import { FeatureAccumulator, MIN_WORDS_TO_SCORE } from './hashed-features.js';
import { loadShippedModel, probability, type InjectionModel } from './injection-model.js';
import { matchRules } from './injection-rules.js';
import { splitSegments } from './segments.js';

/** Kind reported for a segment or text the model scores at or above its threshold. */
export const MODEL_KIND: InjectionKind = 'SUSPECT_INSTRUCTION';

export interface InjectionDetectorOptions {
  /** Default: the model shipped in models/injection/model.json. */
  readonly model?: InjectionModel;
  /** Probability at or above which the model reports; default: the model's own threshold. */
  readonly threshold?: number;
  /** Run the trained model (default true); rules alone when false. */
  readonly useModel?: boolean;
}

export function createInjectionDetector(options: InjectionDetectorOptions = {}): TextDetector {
  const useModel = options.useModel ?? true;
  const model = useModel ? (options.model ?? loadShippedModel()) : undefined;
  const threshold = options.threshold ?? model?.threshold ?? 1;
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError('threshold must lie in (0, 1]');
  const features = new FeatureAccumulator();

  /** Scans `text`; findings are reported on `encodedSpan` when the text was decoded from it. */
  function scan(text: string, findings: Finding[], encodedSpan?: readonly [number, number]): void {
    for (const segment of splitSegments(text)) {
      const folded = foldText(text.slice(segment.start, segment.end));
      const start = encodedSpan?.[0] ?? segment.start;
      const end = encodedSpan?.[1] ?? segment.end;
      for (const hit of matchRules(folded)) {
        findings.push({ detector: 'injection', kind: hit.rule.kind, start, end, confidence: hit.rule.confidence });
      }
      if (model === undefined) continue;
      features.reset();
      if (features.add(folded) < MIN_WORDS_TO_SCORE) continue;
      const p = probability(model.bias + features.score(model.weights));
      if (p >= threshold) findings.push({ detector: 'injection', kind: MODEL_KIND, start, end, confidence: round(p) });
    }
  }

  function detect(text: string): Finding[] {
    const findings: Finding[] = [];
    // No try/catch: a detector that fails must fail the scan (GUARD_FAILED), never pass the text.
    scan(text, findings);
    const decoded = decodedPayloads(text);
    for (const payload of decoded.payloads) scan(payload.text, findings, [payload.start, payload.end]);
    if (decoded.overflow) {
      // More encoded text than is scanned per text: say so rather than pass the rest unread.
      findings.push({ detector: 'injection', kind: 'UNREADABLE', start: 0, end: text.length, confidence: 0.5 });
    }
    return findings.sort((a, b) => a.start - b.start || b.confidence - a.confidence);
  }

  return { name: 'injection', detect };
}

function round(p: number): number {
  return Math.round(p * 1000) / 1000;
}
