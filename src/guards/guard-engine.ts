/**
 * The guards of every connector, built once per configuration: each connector's settings resolved
 * (guard-config.ts) and one scanner per injection threshold in use. `inspectInput` looks at a
 * call's arguments before it is gated or executed; `inspectOutput` at its result before the agent
 * sees it. Both return what the stage should do (the rewritten value, the tallies for the audit
 * record, and whether to refuse); neither keeps any state between calls.
 */
import type { OperationResult } from '../connectors/connector.js';
import type { Power } from '../domain/types.js';
import type { DetectorName, Finding, GuardAction } from './finding.js';
import { createDestinationPolicy, findDestinations, neutralizeImages, type DestinationPolicy } from './exfiltration.js';
import { effectiveAction, resolveGuardSettings, type Direction, type GuardSettings, type GuardsConfig } from './guard-config.js';
import { createGuardScanner, type GuardScanner } from './guard-scanner.js';
import { applyEdits, LabelBook, replacementFor, type TextEdit } from './rewrite-text.js';
import { collectLeaves, LEAF_SEPARATOR, leafAt, replaceLeaves, type TextLeaves } from './text-leaves.js';
import { untrustedNotice, UNTRUSTED_KEY, wrapUntrusted } from './untrusted.js';

/** One line of the audit record's `guards` list: how many findings of a kind, and what was done. */
export interface GuardTally {
  readonly direction: 'in' | 'out';
  readonly detector: DetectorName;
  readonly kind: string;
  readonly count: number;
  readonly action: GuardAction;
}

export interface InputInspection {
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly tallies: readonly GuardTally[];
  /** Kinds whose action is block: the call must be refused. */
  readonly blocked: readonly string[];
  /** Destinations outside the allow-list (write, draft, trigger only): the call must be refused. */
  readonly refusedDestinations: readonly string[];
  /** The arguments with blocked findings redacted too: what the audit record may keep of a refused call. */
  readonly refusedArguments: Readonly<Record<string, unknown>>;
}

export interface OutputInspection {
  readonly result: OperationResult;
  readonly tallies: readonly GuardTally[];
  readonly blocked: readonly string[];
  /** Set when the result exceeds a limit: which one. */
  readonly tooLarge?: string;
}

interface ConnectorGuards {
  readonly settings: GuardSettings;
  readonly scanner: GuardScanner;
  readonly destinations: DestinationPolicy;
}

const SENDING_POWERS: ReadonlySet<Power> = new Set<Power>(['write', 'draft', 'trigger']);

export interface GuardEngine {
  inspectInput(connector: string, power: Power, args: Readonly<Record<string, unknown>>): InputInspection;
  inspectOutput(connector: string, tool: string, result: OperationResult): OutputInspection;
}

export function createGuardEngine(connectors: readonly { readonly name: string; readonly guards?: GuardsConfig | undefined }[]): GuardEngine {
  const scanners = new Map<string, GuardScanner>();
  const scannerFor = (threshold: number | undefined): GuardScanner => {
    const key = String(threshold ?? 'model');
    let scanner = scanners.get(key);
    if (scanner === undefined) {
      scanner = createGuardScanner(threshold === undefined ? {} : { injectionThreshold: threshold });
      scanners.set(key, scanner);
    }
    return scanner;
  };
  const byName = new Map<string, ConnectorGuards>();
  for (const connector of connectors) {
    const settings = resolveGuardSettings(connector.guards);
    byName.set(connector.name, {
      settings,
      scanner: scannerFor(settings.injectionThreshold),
      destinations: createDestinationPolicy(settings.destinations ?? []),
    });
  }
  const guardsOf = (name: string): ConnectorGuards => {
    let guards = byName.get(name);
    if (guards === undefined) {
      // A connector added after startup (none are today) gets the defaults, never no guards.
      guards = { settings: resolveGuardSettings(undefined), scanner: scannerFor(undefined), destinations: createDestinationPolicy([]) };
      byName.set(name, guards);
    }
    return guards;
  };

  return {
    inspectInput(connector, power, args) {
      const { settings, scanner, destinations } = guardsOf(connector);
      const leaves = collectLeaves(args);
      const book = new LabelBook();
      const judged = judge(scanner.scan(leaves.joined, settings.activeDetectors.input), settings, 'input');
      const rewritten = replaceLeaves(args, leafReplacements(leaves, judged.edits(leaves.joined, book)));
      const refusedArguments = judged.blocked.length === 0 ? rewritten
        : replaceLeaves(args, leafReplacements(leaves, judged.edits(leaves.joined, book, true)));
      const tallies = tally('in', judged.counted);
      let refusedDestinations: string[] = [];
      if (settings.destinations !== undefined && SENDING_POWERS.has(power)) {
        refusedDestinations = findDestinations(leaves.joined).filter((d) => !destinations.allows(d)).map((d) => d.value);
        if (refusedDestinations.length > 0) {
          tallies.push({ direction: 'in', detector: 'exfiltration', kind: 'DESTINATION_NOT_ALLOWED', count: refusedDestinations.length, action: 'block' });
        }
      }
      return { arguments: rewritten, tallies, blocked: judged.blocked, refusedDestinations, refusedArguments };
    },

    inspectOutput(connector, tool, result) {
      const { settings, scanner, destinations } = guardsOf(connector);
      const leaves = collectLeaves(result.structured);
      const bytes = Buffer.byteLength(result.text) + Buffer.byteLength(leaves.joined);
      if (bytes > settings.maxOutputBytes) return tooLarge(result, `${bytes} bytes > max_output_bytes ${settings.maxOutputBytes}`);
      if (leaves.records > settings.maxOutputRecords) return tooLarge(result, `${leaves.records} records > max_output_records ${settings.maxOutputRecords}`);

      const book = new LabelBook();
      // Both forms are scanned: a client may hand either to the model, and a connector's text need
      // not carry every field of its structured result.
      const inText = judge(scanner.scan(result.text, settings.activeDetectors.output), settings, 'output');
      const enforcing = settings.enforcingDetectors.output;
      const flagOnly = settings.activeDetectors.output.filter((d) => !enforcing.includes(d));
      const fieldFindings = scanner.scan(leaves.joined, enforcing);
      // Detectors that only flag need not read a long field the text already holds word for word
      // (a document's content, a response body): it was flagged there. Blanks keep the offsets.
      if (flagOnly.length > 0) fieldFindings.push(...scanner.scan(notInText(leaves, result.text), flagOnly));
      const inFields = judge(fieldFindings, settings, 'output');
      let text = applyEdits(result.text, inText.edits(result.text, book));
      const fieldEdits = leafReplacements(leaves, inFields.edits(leaves.joined, book));
      // Counted once: the text and the structured form usually carry the same content.
      const counts = new Map(inText.counted);
      for (const [key, count] of inFields.counted) counts.set(key, Math.max(count, counts.get(key) ?? 0));
      const tallies = tally('out', counts);

      if (settings.neutralizeImages) {
        const images = neutralizeImages(text, destinations);
        text = images.text;
        let removed = images.count;
        leaves.texts.forEach((value, index) => {
          const current = fieldEdits.get(index) ?? value;
          const cleaned = neutralizeImages(current, destinations);
          if (cleaned.count > 0) fieldEdits.set(index, cleaned.text);
          removed = Math.max(removed, cleaned.count);
        });
        if (removed > 0) tallies.push({ direction: 'out', detector: 'exfiltration', kind: 'EXTERNAL_IMAGE', count: removed, action: 'redact' });
      }
      const flaggedKinds = [...new Set([...inText.flaggedInjection, ...inFields.flaggedInjection])].sort();
      let structured = replaceLeaves(result.structured, fieldEdits);
      if (flaggedKinds.length > 0) {
        const provenance = { connector, tool, kinds: flaggedKinds };
        text = wrapUntrusted(text, provenance);
        // The structured form cannot be wrapped; it carries the same notice under its own key.
        structured = { ...structured, [UNTRUSTED_KEY]: untrustedNotice(provenance) };
      }
      const changed = text !== result.text || structured !== result.structured;
      const guarded: OperationResult = changed || flaggedKinds.length > 0
        ? { ...result, text, structured, ...(flaggedKinds.length > 0 ? { untrusted: flaggedKinds } : {}) }
        : result;
      return { result: guarded, tallies, blocked: [...new Set([...inText.blocked, ...inFields.blocked])] };
    },
  };
}

/** The joined fields with every field of 32+ characters that occurs verbatim in `text` blanked out. */
function notInText(leaves: TextLeaves, text: string): string {
  let blanked = false;
  const kept = leaves.texts.map((leaf) => {
    if (leaf.length < 32 || !text.includes(leaf)) return leaf;
    blanked = true;
    return ' '.repeat(leaf.length);
  });
  return blanked ? kept.join(LEAF_SEPARATOR) : leaves.joined;
}

function tooLarge(result: OperationResult, reason: string): OutputInspection {
  return { result, tallies: [{ direction: 'out', detector: 'exfiltration', kind: 'OUTPUT_TOO_LARGE', count: 1, action: 'block' }], blocked: [], tooLarge: reason };
}

interface Judgement {
  /** `detector/kind/action` → count, for findings whose action is not allow. */
  readonly counted: Map<string, number>;
  readonly blocked: string[];
  /** Injection kinds whose action is flag: the content is delivered wrapped. */
  readonly flaggedInjection: string[];
  /** Rewrites for redact, mask and strip; with `blockedToo`, blocked findings are redacted as well. */
  edits(text: string, book: LabelBook, blockedToo?: boolean): TextEdit[];
}

function judge(findings: readonly Finding[], settings: GuardSettings, direction: Direction): Judgement {
  const counted = new Map<string, number>();
  const blocked = new Set<string>();
  const flagged = new Set<string>();
  const rewrites: { finding: Finding; action: GuardAction }[] = [];
  const blocks: { finding: Finding; action: GuardAction }[] = [];
  for (const finding of findings) {
    const action = effectiveAction(settings, direction, finding);
    if (action === 'allow') continue;
    const key = `${finding.detector}/${finding.kind}/${action}`;
    counted.set(key, (counted.get(key) ?? 0) + 1);
    if (action === 'block') {
      blocked.add(finding.kind);
      blocks.push({ finding, action: finding.detector === 'injection' ? 'strip' : 'redact' });
    }
    else if (action === 'flag' && finding.detector === 'injection') flagged.add(finding.kind);
    else if (action === 'redact' || action === 'mask' || action === 'strip') rewrites.push({ finding, action });
  }
  return {
    counted,
    blocked: [...blocked].sort(),
    flaggedInjection: [...flagged],
    edits: (text, book, blockedToo = false) => (blockedToo ? [...rewrites, ...blocks] : rewrites).flatMap(({ finding, action }) => {
      const replacement = replacementFor(finding, action, text.slice(finding.start, finding.end), book);
      return replacement === undefined ? [] : [{ start: finding.start, end: finding.end, replacement }];
    }),
  };
}

/** Tallies in a stable order (detector, kind, action), so records of like calls read alike. */
function tally(direction: 'in' | 'out', counted: ReadonlyMap<string, number>): GuardTally[] {
  return [...counted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, count]) => {
    const [detector, kind, action] = key.split('/') as [DetectorName, string, GuardAction];
    return { direction, detector, kind, count, action };
  });
}

/** Edits of the joined text, split onto the strings they cover, as new string values by index. */
function leafReplacements(leaves: TextLeaves, edits: readonly TextEdit[]): Map<number, string> {
  const perLeaf = new Map<number, TextEdit[]>();
  for (const edit of edits) {
    for (let index = leafAt(leaves, edit.start); index < leaves.texts.length; index++) {
      const offset = leaves.offsets[index] ?? 0;
      if (offset >= edit.end) break;
      const length = leaves.texts[index]?.length ?? 0;
      const start = Math.max(0, edit.start - offset);
      const end = Math.min(length, edit.end - offset);
      if (end <= start) continue;
      // A finding split over two fields is replaced in each; the placeholder shows in both.
      const list = perLeaf.get(index) ?? [];
      list.push({ start, end, replacement: edit.replacement });
      perLeaf.set(index, list);
    }
  }
  const replacements = new Map<number, string>();
  for (const [index, list] of perLeaf) replacements.set(index, applyEdits(leaves.texts[index] ?? '', list));
  return replacements;
}
