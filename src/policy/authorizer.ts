/**
 * The policy seam: every access decision in Gatehouse goes through `authorize()` (or `mayUse()`
 * for tools/list). Implemented with Cedar in cedar-authorizer.ts.
 */
import type { Caller, Decision, Power, ResourceRef } from '../domain/types.js';

/** Facts about a connector that policies can see. */
export interface ConnectorFacts {
  readonly name: string;
  readonly type: string;
  readonly owner: string;
  readonly powers: readonly Power[];
}

export interface AuthorizationRequest {
  readonly caller: Caller;
  readonly action: Power;
  readonly connector: ConnectorFacts;
  /** The target: a Document, a Record, or the Connector itself. */
  readonly resource: ResourceRef;
  readonly tool: string;
  readonly operation: string;
}

export interface Authorizer {
  /** Deny by default. Throws GatehouseError('POLICY_EVALUATION_FAILED') if it cannot decide. */
  authorize(request: AuthorizationRequest): Decision;
  /**
   * Whether policy could permit `action` through `connector` for some resource; decides which
   * tools tools/list shows. Errs towards hiding: if unsure, false.
   */
  mayUse(caller: Caller, action: Power, connector: ConnectorFacts, tool: string, operation: string): boolean;
  /** Number of policies loaded. */
  readonly policyCount: number;
}
