/**
 * The description check the mcp connector uses by default: the basic rules of description-check.ts
 * plus the injection detector's rules, and its model at a high threshold. Tool descriptions speak
 * to the model by design ("use this tool when the user asks…"), so a planted-instruction model
 * tuned for documents would quarantine honest tools; it is heard here only when it is nearly sure.
 * Reported rule names are `injection:KIND`; never the matched text.
 */
import { createInjectionDetector } from '../../guards/injection/injection-detector.js';
import { basicDescriptionCheck, type DescriptionCheck } from './description-check.js';

/** Model probability at or above which a description is flagged. */
export const DESCRIPTION_MODEL_THRESHOLD = 0.95;

let shared: DescriptionCheck | undefined;

/** The default check, built once per process (the model is loaded on first use). */
export function injectionDescriptionCheck(): DescriptionCheck {
  if (shared !== undefined) return shared;
  const detector = createInjectionDetector({ threshold: DESCRIPTION_MODEL_THRESHOLD });
  shared = (description) => {
    const basic = basicDescriptionCheck(description);
    const kinds = new Set(detector.detect(description).map((finding) => `injection:${finding.kind}`));
    const rules = [...basic.rules, ...kinds];
    return { flagged: rules.length > 0, rules };
  };
  return shared;
}
