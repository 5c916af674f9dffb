/**
 * What one audit record says. Content-free by design: ids, names, decisions, codes, counts and
 * keyed hashes. Arguments and results appear verbatim only when a connector opts into `full`.
 */

export type AuditKind =
  | 'tool_call'       // tools/call through the pipeline
  | 'tools_list'      // tools/list
  | 'mcp_request'     // any other MCP request: initialize, ping, unknown methods
  | 'auth_failure'    // a request refused before an agent was known
  | 'protocol_error'  // malformed JSON-RPC, oversize body, unknown method
  | 'admin';          // pause/resume, agent create/rotate/revoke, config reload

export type AuditDecision = 'allow' | 'deny' | 'error' | 'unauthenticated' | 'none';
/** `held`: the call became a pending approval or a draft and was not executed. */
export type AuditStatus = 'ok' | 'denied' | 'error' | 'held';

/** The chain of who acted: the agent, the user it acted for, and (later) the human approver. */
export interface AuditActor {
  readonly agent?: string;
  readonly keyId?: string;
  readonly user?: string;
  readonly approver?: string;
  /** Human administrator for admin actions (OS user or admin account). */
  readonly admin?: string;
}

export interface AuditEntry {
  readonly kind: AuditKind;
  readonly requestId: string;
  readonly actor: AuditActor;
  /** The power exercised (read, search, ...) or the admin action name. */
  readonly action?: string;
  readonly tool?: string;
  readonly connector?: string;
  /** The resource acted on, e.g. a document path; an identifier, never content. */
  readonly target?: string;
  readonly decision: AuditDecision;
  readonly policyIds: readonly string[];
  readonly status: AuditStatus;
  readonly errorCode?: string;
  /** Short, content-free summary, e.g. "4 hits" or "read 3.1 KB". */
  readonly summary?: string;
  readonly durationMs: number;
  /** Remote address of the client, where there is one. */
  readonly client?: string;
  /** The approval or draft this record belongs to: its request, decision and execution share it. */
  readonly approval?: string;
  /** For a rollback: the audit id of the call whose changes it reverts. */
  readonly reverts?: string;
  /** Guard findings: kind, count and action, never the text they cover. */
  readonly guards?: readonly AuditGuardTally[];
}

/** One guard tally: `in` for arguments, `out` for results. */
export interface AuditGuardTally {
  readonly direction: 'in' | 'out';
  readonly detector: string;
  readonly kind: string;
  readonly count: number;
  readonly action: string;
}

/** Content that is hashed (HMAC-SHA-256) into the record, or stored verbatim in `full` mode. */
export interface AuditContent {
  readonly arguments?: unknown;
  readonly result?: unknown;
  /** Per-record override of the configured content mode (a connector's `audit_content`). */
  readonly mode?: 'hashed' | 'full';
}

/** Where the request path sends its records. Resolves once the record is durable. */
export interface AuditSink {
  record(entry: AuditEntry, content?: AuditContent): Promise<string>;
}
