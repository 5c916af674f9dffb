/**
 * The review of an mcp connector's tools, as a pure plan: what the upstream offers now against
 * what was approved (the pins), per allow-listed tool, with a unified diff of each change and the
 * pins an approval would write. `gatehouse connector review NAME` shows it and, on approval,
 * stores `plan.pins` (cli/connector-review.ts).
 */
import canonicalize from 'canonicalize';
import type { Power } from '../../domain/types.js';
import type { ToolPinRow } from '../../store/store.js';
import { checkToolTexts, type DescriptionCheck } from './description-check.js';
import { unifiedDiff } from './line-diff.js';
import { definitionHash, definitionProblem, pinFor, pinnedDefinition, type ToolDefinition } from './tool-pins.js';

/**
 * - `added`: no approved definition yet (new in the allow-list, or flagged at creation)
 * - `changed`: differs from the approved definition
 * - `removed`: approved, but the upstream no longer offers it (approval drops the pin)
 * - `flagged`: unchanged, but the description check flags it and no human approved it yet
 * - `invalid`: cannot be served whatever the review says (schema unusable or too large)
 */
export type ReviewChange = 'added' | 'changed' | 'removed' | 'flagged' | 'invalid' | 'unchanged';

/** One allow-listed tool in a review. */
export interface ReviewItem {
  readonly tool: string;
  readonly power: Power;
  readonly change: ReviewChange;
  /** Rules of the description check that match the upstream's current definition. */
  readonly rules: readonly string[];
  /** Unified diff from the approved to the current definition; empty when unchanged. */
  readonly diff: string;
  /** Why an invalid definition cannot be served. */
  readonly problem?: string;
}

/** The review of one connector: an item per allow-listed tool, and the pins an approval writes. */
export interface ToolReview {
  readonly connector: string;
  readonly items: readonly ReviewItem[];
  /** Upstream tools outside the allow-list: never exposed, never pinned. */
  readonly notAllowListed: readonly string[];
  /** Allow-listed tools the upstream does not offer and that were never approved. */
  readonly notOffered: readonly string[];
  /** Whether an approval would change what is approved. */
  readonly pending: boolean;
  /** The complete pin set an approval writes. */
  readonly pins: readonly ToolPinRow[];
}

/** What a review compares: the allow-list, the upstream's tools now, the pins. */
export interface ReviewInput {
  readonly connector: string;
  readonly allowList: Readonly<Record<string, { readonly power: Power }>>;
  readonly upstream: readonly ToolDefinition[];
  readonly pins: readonly ToolPinRow[];
  readonly check: DescriptionCheck;
  /** The operator approving, recorded on the pins they approve. */
  readonly by: string;
  readonly at: string;
}

/** A definition as reviewable text: name, description, and the schema as sorted, indented JSON. */
export function definitionText(definition: ToolDefinition): string {
  const schema = JSON.stringify(JSON.parse(canonicalize(definition.inputSchema) ?? '{}'), null, 2);
  return [`name: ${definition.name}`, 'description:', ...definition.description.split('\n').map((l) => `  ${l}`), 'inputSchema:',
    ...schema.split('\n').map((l) => `  ${l}`)].join('\n');
}

function diffOf(before: ToolDefinition | undefined, after: ToolDefinition | undefined): string {
  return unifiedDiff(before === undefined ? '' : definitionText(before), after === undefined ? '' : definitionText(after),
    { from: 'approved', to: 'upstream' });
}

/** Compare the upstream's current tools with the pins and plan the approval. */
export function planReview(input: ReviewInput): ToolReview {
  const { connector, allowList, upstream, pins, check, by, at } = input;
  const pinned = new Map(pins.map((p) => [p.tool, p]));
  const offered = new Map(upstream.map((d) => [d.name, d]));
  const items: ReviewItem[] = [];
  const notOffered: string[] = [];
  // Pins of tools no longer allow-listed are kept as they are: they expose nothing.
  const nextPins: ToolPinRow[] = pins.filter((p) => !Object.hasOwn(allowList, p.tool));
  for (const [tool, { power }] of Object.entries(allowList)) {
    const pin = pinned.get(tool);
    const current = offered.get(tool);
    const approved = pin === undefined ? undefined : pinnedDefinition(pin);
    if (current === undefined) {
      if (pin === undefined) notOffered.push(tool);
      else items.push({ tool, power, change: 'removed', rules: [], diff: diffOf(approved, undefined) });
      continue;
    }
    const rules = checkToolTexts(check, current.description, current.inputSchema).rules;
    const problem = definitionProblem(current);
    if (problem !== undefined) {
      items.push({ tool, power, change: 'invalid', rules, diff: diffOf(approved, current), problem });
      if (pin !== undefined) nextPins.push(pin);
      continue;
    }
    let change: ReviewChange;
    if (pin === undefined) change = 'added';
    else if (pin.hash !== definitionHash(current)) change = 'changed';
    else if (rules.length > 0 && pin.pinnedBy === null) change = 'flagged';
    else change = 'unchanged';
    items.push({ tool, power, change, rules, diff: change === 'unchanged' || change === 'flagged' ? '' : diffOf(approved, current) });
    nextPins.push(change === 'unchanged' && pin !== undefined ? pin : pinFor(connector, current, at, by));
  }
  const notAllowListed = upstream.map((d) => d.name).filter((name) => !Object.hasOwn(allowList, name)).sort();
  const pending = items.some((i) => i.change === 'added' || i.change === 'changed' || i.change === 'removed' || i.change === 'flagged');
  return { connector, items, notAllowListed, notOffered, pending, pins: nextPins };
}

/** Counts per kind of change, e.g. "1 changed, 1 added", for messages and the audit summary. */
export function reviewSummary(review: ToolReview): string {
  const counts = new Map<ReviewChange, number>();
  for (const item of review.items) counts.set(item.change, (counts.get(item.change) ?? 0) + 1);
  const order: ReviewChange[] = ['changed', 'added', 'removed', 'flagged', 'invalid', 'unchanged'];
  return order.filter((c) => counts.has(c)).map((c) => `${counts.get(c)} ${c}`).join(', ') || 'no allow-listed tools offered';
}

/** The review as text for a terminal: one block per tool that needs attention, then a summary. */
export function renderReview(review: ToolReview): string {
  const lines: string[] = [`Connector ${review.connector}: ${reviewSummary(review)}.`];
  for (const item of review.items) {
    if (item.change === 'unchanged') continue;
    lines.push('', `== ${item.tool} [${item.power}]: ${item.change}`);
    if (item.rules.length > 0) lines.push(`   description check: ${item.rules.join(', ')}`);
    if (item.problem !== undefined) lines.push(`   cannot be served: ${item.problem}`);
    if (item.diff !== '') lines.push(item.diff.trimEnd());
  }
  if (review.notOffered.length > 0) lines.push('', `Allow-listed but not offered by the upstream: ${review.notOffered.join(', ')}`);
  if (review.notAllowListed.length > 0) lines.push('', `Offered but not allow-listed (never exposed): ${review.notAllowListed.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
