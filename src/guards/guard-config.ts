/**
 * The `guards:` key of a connector: what each finding does, per direction (tool arguments going
 * in, results coming out), per detector and, where it matters, per kind; the destination
 * allow-list for write/draft/trigger calls; and the output limits. Checked once, with the rest of
 * the configuration; `resolveGuardSettings` turns it into a lookup that costs one map read per
 * finding.
 *
 * Defaults, for a connector that says nothing: secrets in arguments are refused and secrets in
 * results redacted; PII and suspected instructions are recorded (and suspected instructions in
 * results delivered wrapped as untrusted data); outside image links are neutralised; a result
 * may hold at most 1 MiB and 1,000 records.
 */
import { z } from 'zod';
import { parseDestinationEntry } from './exfiltration.js';
import type { DetectorName, Finding, GuardAction } from './finding.js';
import { INJECTION_KINDS } from './injection/injection-kinds.js';
import { PII_KINDS } from './pii/pii-kinds.js';
import { SECRET_KINDS } from './secrets/secret-kinds.js';

export type Direction = 'input' | 'output';
export type ContentDetector = Exclude<DetectorName, 'exfiltration'>;
export const CONTENT_DETECTORS: readonly ContentDetector[] = ['pii', 'secrets', 'injection'];

const ACTIONS = ['allow', 'flag', 'redact', 'mask', 'strip', 'block'] as const;
/** Which actions make sense for each detector: text is masked, instructions are stripped. */
const VALID_ACTIONS: Readonly<Record<ContentDetector, readonly GuardAction[]>> = {
  pii: ['allow', 'flag', 'redact', 'mask', 'block'],
  secrets: ['allow', 'flag', 'redact', 'mask', 'block'],
  injection: ['allow', 'flag', 'strip', 'block'],
};
const KINDS: Readonly<Record<ContentDetector, readonly string[]>> = {
  pii: PII_KINDS,
  secrets: SECRET_KINDS,
  injection: INJECTION_KINDS,
};

const action = z.enum(ACTIONS);
/** One action for every kind of the detector, or `{ default: ..., KIND: ... }`. */
const detectorActions = z.union([action, z.record(z.string(), action)]);
const directionSchema = z.strictObject({
  pii: detectorActions.optional(),
  secrets: detectorActions.optional(),
  injection: detectorActions.optional(),
});

export const guardsSchema = z.strictObject({
  input: directionSchema.default({}),
  output: directionSchema.default({}),
  /**
   * Where write, draft and trigger calls may send data: domains (`example.com`, `*.example.com`),
   * e-mail addresses and URL prefixes. When set, every URL, e-mail address and domain in the
   * arguments of such a call must match one entry. Also the hosts images may load from.
   */
  destinations: z.array(z.string().min(1).max(300)).max(1000).optional(),
  /** `neutralize` replaces markdown/HTML images pointing outside `destinations` in results. */
  external_images: z.enum(['neutralize', 'allow']).default('neutralize'),
  max_output_bytes: z.number().int().min(256).max(256 * 1024 * 1024).default(1024 * 1024),
  max_output_records: z.number().int().min(1).max(10_000_000).default(1000),
  /** Probability at or above which the injection model reports; default: the model's own. */
  injection_threshold: z.number().gt(0).lt(1).optional(),
}).superRefine((guards, ctx) => {
  (guards.destinations ?? []).forEach((entry, index) => {
    const parsed = parseDestinationEntry(entry);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', path: ['destinations', index], message: parsed });
  });
  for (const direction of ['input', 'output'] as const) {
    for (const detector of CONTENT_DETECTORS) {
      const setting = guards[direction][detector];
      if (setting === undefined) continue;
      const entries: [string, GuardAction][] = typeof setting === 'string' ? [['default', setting]] : Object.entries(setting);
      for (const [kind, chosen] of entries) {
        const path = typeof setting === 'string' ? [direction, detector] : [direction, detector, kind];
        if (kind !== 'default' && !KINDS[detector].includes(kind)) {
          ctx.addIssue({ code: 'custom', path, message: `unknown ${detector} kind "${kind}"; use "default" or one of ${KINDS[detector].join(', ')}` });
        }
        if (!VALID_ACTIONS[detector].includes(chosen)) {
          ctx.addIssue({ code: 'custom', path, message: `"${chosen}" is not an action for ${detector}; use one of ${VALID_ACTIONS[detector].join(', ')}` });
        }
      }
    }
  }
});

export type GuardsConfig = z.infer<typeof guardsSchema>;

const DEFAULTS: Readonly<Record<Direction, Readonly<Record<ContentDetector, GuardAction>>>> = {
  input: { pii: 'allow', secrets: 'block', injection: 'flag' },
  output: { pii: 'flag', secrets: 'redact', injection: 'flag' },
};

/** A connector's guard settings, resolved once. */
export interface GuardSettings {
  /** The action for a finding of `kind` by `detector` in `direction`. */
  actionFor(direction: Direction, detector: ContentDetector, kind: string): GuardAction;
  /** Detectors with any action other than `allow` in that direction: the others need not run. */
  readonly activeDetectors: Readonly<Record<Direction, readonly ContentDetector[]>>;
  /** Detectors with a redact, mask, strip or block action in that direction: their findings change or stop the call. */
  readonly enforcingDetectors: Readonly<Record<Direction, readonly ContentDetector[]>>;
  readonly destinations: readonly string[] | undefined;
  readonly neutralizeImages: boolean;
  readonly maxOutputBytes: number;
  readonly maxOutputRecords: number;
  readonly injectionThreshold: number | undefined;
}

/**
 * Below this confidence a `block` does not refuse the call: the finding is redacted instead
 * (stripped, for a suspected instruction), so an unsure finding neither stops work nor gets through.
 */
export const BLOCK_MIN_CONFIDENCE = 0.5;

/** The action a finding gets: the configured one, with unsure blocks turned into redaction. */
export function effectiveAction(settings: GuardSettings, direction: Direction, finding: Finding): GuardAction {
  const configured = settings.actionFor(direction, finding.detector as ContentDetector, finding.kind);
  if (configured !== 'block' || finding.confidence >= BLOCK_MIN_CONFIDENCE) return configured;
  return finding.detector === 'injection' ? 'strip' : 'redact';
}

export function resolveGuardSettings(config: GuardsConfig | undefined): GuardSettings {
  const given = config ?? guardsSchema.parse({});
  const table = new Map<string, GuardAction>();
  const fallback = new Map<string, GuardAction>();
  const active: Record<Direction, ContentDetector[]> = { input: [], output: [] };
  const enforcing: Record<Direction, ContentDetector[]> = { input: [], output: [] };
  const enforces = (action: GuardAction): boolean => action !== 'allow' && action !== 'flag';
  for (const direction of ['input', 'output'] as const) {
    for (const detector of CONTENT_DETECTORS) {
      const setting = given[direction][detector];
      const byKind: Record<string, GuardAction> = setting === undefined ? {} : typeof setting === 'string' ? { default: setting } : setting;
      const base = byKind.default ?? DEFAULTS[direction][detector];
      fallback.set(`${direction}/${detector}`, base);
      for (const [kind, chosen] of Object.entries(byKind)) if (kind !== 'default') table.set(`${direction}/${detector}/${kind}`, chosen);
      if (base !== 'allow' || Object.values(byKind).some((a) => a !== 'allow')) active[direction].push(detector);
      if (enforces(base) || Object.values(byKind).some(enforces)) enforcing[direction].push(detector);
    }
  }
  return {
    actionFor: (direction, detector, kind) =>
      table.get(`${direction}/${detector}/${kind}`) ?? fallback.get(`${direction}/${detector}`) ?? 'block',
    activeDetectors: active,
    enforcingDetectors: enforcing,
    destinations: given.destinations,
    neutralizeImages: given.external_images === 'neutralize',
    maxOutputBytes: given.max_output_bytes,
    maxOutputRecords: given.max_output_records,
    injectionThreshold: given.injection_threshold,
  };
}
