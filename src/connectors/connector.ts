/**
 * The connector interface: one implementation folder per connector type (files/, later sql/, http/, ...).
 * A connector knows its system; it never decides access. The pipeline authorizes the call's target
 * before `execute`, and hands `execute` a `mayAccess` check for every item it is about to return.
 */
import type { ConnectorConfig } from '../config/load.js';
import type { Caller, OperationSpec, Power, Provenance, ResourceRef } from '../domain/types.js';

/** What a connector may ask of the gateway while it executes one call. */
export interface ConnectorContext {
  readonly caller: Caller;
  /**
   * Policy decision for one resource the operation is about to return (a search hit, a row).
   * Items for which this is false must not appear in the result in any form (no title, no snippet).
   * Throws if the policy engine cannot decide; the call then fails closed.
   */
  readonly mayAccess: (resource: ResourceRef, action: Power) => boolean;
  readonly signal: AbortSignal;
}

/** The result of an operation, ready for the agent. */
export interface OperationResult {
  /** Text for the model. */
  readonly text: string;
  /** The same result as structured data (MCP structuredContent). */
  readonly structured: Readonly<Record<string, unknown>>;
  /** Short, content-free summary for the audit trail, e.g. "4 hits" or "read 3.1 KB". */
  readonly summary: string;
  /** Provenance of every item returned, for freshness reporting. */
  readonly provenance: readonly Provenance[];
  /**
   * What a write changed, with before-images, so it can be reverted later. The gateway stores these
   * with the call's audit record; they never go to the agent.
   */
  readonly changes?: readonly ChangeRecord[];
  /**
   * Set by the output guard when the result holds suspected instructions and was delivered wrapped
   * as untrusted data: the finding kinds. The MCP answer carries them in `_meta`.
   */
  readonly untrusted?: readonly string[];
}

/** One changed row or object: enough to revert it or to refuse the revert if it changed since. */
export interface ChangeRecord {
  /** e.g. "update", "insert", or an HTTP operation id. */
  readonly kind: string;
  /** Table, endpoint or object type. */
  readonly target: string;
  /** Primary key or object id, as text. */
  readonly key: string;
  /** The row before the change (null for an insert). */
  readonly before: Readonly<Record<string, unknown>> | null;
  /** The row after the change (null for a delete). */
  readonly after: Readonly<Record<string, unknown>> | null;
}

export type HealthStatus = 'ok' | 'degraded' | 'unavailable' | 'starting';

export interface ConnectorHealth {
  readonly status: HealthStatus;
  readonly lastSuccessAt: string | undefined;
  readonly lastErrorAt: string | undefined;
  /** Error code of the last failure, never its message (it may carry data). */
  readonly lastErrorCode: string | undefined;
  readonly latencyMs: number | undefined;
  /** Type-specific facts, e.g. documents indexed. */
  readonly facts: Readonly<Record<string, string | number>>;
}

export interface Connector {
  readonly name: string;
  readonly type: ConnectorConfig['type'];
  readonly config: ConnectorConfig;
  /** Operations this connector offers, filtered to its declared powers. */
  operations(): readonly OperationSpec[];
  /**
   * The resource a call targets, resolved before anything executes so policy can decide on it.
   * Arguments have already been validated against the operation's input schema.
   * Throws GatehouseError (e.g. PATH_OUTSIDE_ROOT, DOCUMENT_NOT_FOUND) for targets that cannot exist.
   */
  target(operation: string, args: Readonly<Record<string, unknown>>): Promise<ResourceRef>;
  /** Run an authorized call. Throws GatehouseError; CONNECTOR_UNAVAILABLE when the system is unreachable. */
  execute(operation: string, args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult>;
  health(): ConnectorHealth;
  /**
   * For connectors whose operations can change while running (an upstream MCP server's tools
   * quarantined or approved): called after such a change, so the gateway rebuilds its tool list.
   */
  onOperationsChanged?(listener: () => void): void;
  /** Begin serving (e.g. build an index, start watching). Resolves once the connector can answer. */
  start(): Promise<void>;
  close(): Promise<void>;
}
