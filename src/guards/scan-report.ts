/**
 * One text's findings as `gatehouse scan` prints them and the evaluation script scores them: each
 * finding with the action the guard settings would take, and the overall verdict (the strongest
 * action). Built on the same scanner and settings as the gateway's guard stages.
 */
import type { Finding, GuardAction } from './finding.js';
import { effectiveAction, type ContentDetector, type Direction, type GuardSettings } from './guard-config.js';
import type { GuardScanner } from './guard-scanner.js';

export interface ReportedFinding extends Finding {
  readonly action: GuardAction;
}

export interface ScanReport {
  readonly findings: readonly ReportedFinding[];
  /** The strongest action among the findings: allow < flag < mask < redact < strip < block. */
  readonly verdict: GuardAction;
}

const STRENGTH: Readonly<Record<GuardAction, number>> = { allow: 0, flag: 1, mask: 2, redact: 3, strip: 4, block: 5 };

export function scanReport(
  scanner: GuardScanner,
  settings: GuardSettings,
  direction: Direction,
  detectors: readonly ContentDetector[],
  text: string,
): ScanReport {
  let verdict: GuardAction = 'allow';
  const findings = scanner.scan(text, detectors).map((finding) => {
    const action = effectiveAction(settings, direction, finding);
    if (STRENGTH[action] > STRENGTH[verdict]) verdict = action;
    return { ...finding, action };
  });
  return { findings, verdict };
}
