/**
 * Pinning of upstream MCP tool definitions, as pure functions over data.
 *
 * A pin is the SHA-256 of the canonical JSON of a tool's name, description and input schema,
 * stored with that JSON (so a later change can be shown as a diff). An allow-listed tool is served
 * only while the upstream offers exactly its pinned definition. Anything else quarantines it:
 *
 * - `changed`    the upstream's definition differs from the pin
 * - `unreviewed` the connector has pins, but none for this tool (allow-listed later, or flagged
 *                when the connector was created)
 * - `flagged`    the description check flags the definition and no human approved it
 *                (automatic pins carry `pinnedBy: null`; reviewed pins carry the operator)
 * - `removed`    the upstream no longer offers the tool
 * - `invalid`    the definition cannot be served (input schema unusable or too large)
 */
import { createHash } from 'node:crypto';
import { Ajv } from 'ajv';
import canonicalize from 'canonicalize';
import type { JsonSchemaObject } from '../../domain/types.js';
import type { ToolPinRow } from '../../store/store.js';
import { checkToolTexts, type DescriptionCheck } from './description-check.js';

/** Largest canonical definition (name, description, schema) accepted, in bytes. */
export const MAX_DEFINITION_BYTES = 256 * 1024;

/** The part of an upstream tool that is pinned. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** Why a tool is quarantined (see the file comment). */
export type QuarantineReason = 'changed' | 'unreviewed' | 'flagged' | 'removed' | 'invalid';

/** Whether one allow-listed tool may be served now, and with which (pinned) definition. */
export type ToolState =
  | { readonly status: 'ok'; readonly definition: ToolDefinition; readonly hash: string; readonly verified: boolean }
  | { readonly status: 'quarantined'; readonly reason: QuarantineReason; readonly rules: readonly string[] };

/** The pinned form of a definition, from whatever the upstream sent (only the three pinned fields). */
export function toolDefinition(tool: { readonly name: string; readonly description?: string | undefined; readonly inputSchema?: unknown }): ToolDefinition {
  const schema = tool.inputSchema;
  return {
    name: tool.name,
    description: tool.description ?? '',
    inputSchema: schema !== null && typeof schema === 'object' && !Array.isArray(schema) ? schema as Record<string, unknown> : {},
  };
}

/** Canonical JSON (RFC 8785) of a definition: what the hash covers and the store keeps. */
export function definitionJson(definition: ToolDefinition): string {
  return canonicalize({ name: definition.name, description: definition.description, inputSchema: definition.inputSchema }) ?? '';
}

/** SHA-256 (hex) of the canonical definition. */
export function definitionHash(definition: ToolDefinition): string {
  return createHash('sha256').update(definitionJson(definition)).digest('hex');
}

/** The definition a pin holds. */
export function pinnedDefinition(pin: ToolPinRow): ToolDefinition {
  return toolDefinition(JSON.parse(pin.definition) as { name: string; description?: string; inputSchema?: unknown });
}

/** A pin row for a definition. `pinnedBy` is null for the automatic pin at connector creation. */
export function pinFor(connector: string, definition: ToolDefinition, pinnedAt: string, pinnedBy: string | null): ToolPinRow {
  return { connector, tool: definition.name, hash: definitionHash(definition), definition: definitionJson(definition), pinnedAt, pinnedBy };
}

const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });

/**
 * The input schema as the gateway advertises and validates it: the upstream's schema without its
 * top-level `$schema` (the validator reads draft-07 and tolerates later keywords) and `$id` (ids of
 * different upstreams' schemas would collide in the gateway's one validator).
 */
export function servedSchema(definition: ToolDefinition): JsonSchemaObject {
  const { $schema: _schema, $id: _id, ...rest } = definition.inputSchema;
  return { ...rest, type: 'object' };
}

/** Verdicts of definitionProblem by definition hash (the same definitions are assessed repeatedly). */
const problems = new Map<string, string | undefined>();

/** Why a definition cannot be served at all, or undefined when it can. */
export function definitionProblem(definition: ToolDefinition): string | undefined {
  const json = definitionJson(definition);
  if (Buffer.byteLength(json) > MAX_DEFINITION_BYTES) return 'definition too large';
  const key = createHash('sha256').update(json).digest('hex');
  if (problems.has(key)) return problems.get(key);
  let problem: string | undefined;
  if (definition.inputSchema.type !== 'object') {
    problem = 'input schema is not an object schema';
  } else {
    const schema = servedSchema(definition);
    try {
      ajv.compile(schema);
    } catch {
      problem = 'input schema does not compile';
    } finally {
      // Compiled only to check: keep neither it nor its $id in the validator's cache.
      ajv.removeSchema(schema);
    }
  }
  if (problems.size >= 1000) problems.clear();
  problems.set(key, problem);
  return problem;
}

/** Inputs of an assessment: what is allowed, what the upstream offers, what was approved. */
export interface AssessInput {
  readonly allowList: readonly string[];
  /** The upstream's current tools; undefined while it has not been listed (not connected yet). */
  readonly upstream: readonly ToolDefinition[] | undefined;
  readonly pins: readonly ToolPinRow[];
  readonly check: DescriptionCheck;
}

/**
 * The state of every allow-listed tool. Before the upstream has been listed, pinned tools are
 * served from their pins (unverified: calls need a connection, which re-assesses first).
 */
export function assessTools({ allowList, upstream, pins, check }: AssessInput): Map<string, ToolState> {
  const pinned = new Map(pins.map((pin) => [pin.tool, pin]));
  const offered = upstream === undefined ? undefined : new Map(upstream.map((def) => [def.name, def]));
  const states = new Map<string, ToolState>();
  for (const name of allowList) {
    const pin = pinned.get(name);
    if (offered === undefined) {
      states.set(name, pin === undefined
        ? { status: 'quarantined', reason: 'unreviewed', rules: [] }
        : { status: 'ok', definition: pinnedDefinition(pin), hash: pin.hash, verified: false });
      continue;
    }
    const current = offered.get(name);
    if (current === undefined) {
      states.set(name, { status: 'quarantined', reason: pin === undefined ? 'unreviewed' : 'removed', rules: [] });
      continue;
    }
    states.set(name, assessOne(current, pin, check));
  }
  return states;
}

function assessOne(current: ToolDefinition, pin: ToolPinRow | undefined, check: DescriptionCheck): ToolState {
  if (definitionProblem(current) !== undefined) return { status: 'quarantined', reason: 'invalid', rules: [] };
  const { flagged, rules } = checkToolTexts(check, current.description, current.inputSchema);
  const hash = definitionHash(current);
  if (pin === undefined) return { status: 'quarantined', reason: flagged ? 'flagged' : 'unreviewed', rules };
  if (pin.hash !== hash) return { status: 'quarantined', reason: 'changed', rules };
  if (flagged && pin.pinnedBy === null) return { status: 'quarantined', reason: 'flagged', rules };
  return { status: 'ok', definition: current, hash, verified: true };
}

/**
 * The automatic pins of a connector's first start (no pins yet): every allow-listed tool the
 * upstream offers whose definition is servable and not flagged. Flagged tools stay unpinned, so
 * they wait for `gatehouse connector review`.
 */
export function initialPins(connector: string, allowList: readonly string[], upstream: readonly ToolDefinition[], check: DescriptionCheck, at: string): ToolPinRow[] {
  const allowed = new Set(allowList);
  return upstream
    .filter((def) => allowed.has(def.name) && definitionProblem(def) === undefined
      && !checkToolTexts(check, def.description, def.inputSchema).flagged)
    .map((def) => pinFor(connector, def, at, null));
}

/** A sentence for the agent and the log saying why a tool is quarantined. Names rules, never text. */
export function quarantineMessage(connector: string, tool: string, reason: QuarantineReason, rules: readonly string[]): string {
  const flags = rules.length > 0 ? ` (description check: ${rules.join(', ')})` : '';
  const why: Record<QuarantineReason, string> = {
    changed: 'its definition changed upstream since it was approved',
    unreviewed: 'its definition has not been approved yet',
    flagged: 'its description contains text aimed at the model',
    removed: 'the upstream no longer offers it',
    invalid: 'the upstream definition is unusable (input schema invalid or too large)',
  };
  return `Tool "${tool}" of connector "${connector}" is quarantined: ${why[reason]}${flags}.`;
}
