/**
 * The state of one tool call as it moves down the pipeline. Each stage reads what earlier stages
 * set and adds its own part; the runner turns the final state (or the error) into an audit record.
 */
import type { OperationResult } from '../connectors/connector.js';
import type { Caller, Decision, ResourceRef } from '../domain/types.js';
import type { GuardTally } from '../guards/guard-engine.js';
import type { ApprovalRow } from '../store/approval-repo.js';
import type { RegisteredTool } from './tool-registry.js';

export interface CallContext {
  readonly requestId: string;
  readonly caller: Caller;
  readonly toolName: string;
  /** As sent; the input guard may replace it with its redacted form before the gate and execution. */
  arguments: Readonly<Record<string, unknown>>;
  /** Aborted when the client goes away or the server shuts down. */
  readonly signal: AbortSignal;
  /** Remote address, for the audit record. */
  readonly client: string | undefined;
  /** Set by resolve-tool. */
  tool?: RegisteredTool;
  /** Set by resolve-target: what the call acts on, as policy sees it. */
  resource?: ResourceRef;
  /** Set by authorize. */
  decision?: Decision;
  /** Set by execute; later stages (output guards) may replace it. */
  result?: OperationResult;
  /** Set when this call executes an approved request (by the approval executor). */
  readonly approval?: ApprovalRow;
  /** Set when the gateway itself makes the call for a person (rollback): their name, for the trail. */
  readonly internal?: { readonly admin: string; readonly reverts: string };
  /** Added to by the guard stages: findings by kind and what was done, for the audit record. */
  guards?: GuardTally[];
  /** Set by the gate when it held the call as a pending approval or a draft: nothing more runs. */
  held?: ApprovalRow;
}

/** What the caller of the pipeline gets back. */
export interface CallOutcome {
  readonly auditId: string;
  readonly result: OperationResult;
  /** The approval or draft the call became, when it was held instead of executed. */
  readonly held?: ApprovalRow;
}
