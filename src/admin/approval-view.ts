/**
 * A held request as people see it (admin API and `gatehouse approvals --json`): every field of the
 * stored row a decision needs, with the arguments as JSON values. Authenticated administrators see
 * the arguments (they must know what they approve); logs and notifications never do.
 */
import type { ErrorCode } from '../errors/catalog.js';
import { GatehouseError } from '../errors/catalog.js';
import { APPROVAL_STATUSES, type ApprovalRow, type ApprovalStatus } from '../store/approval-repo.js';

/** What `list` shows without a status filter: the requests waiting for a person. */
export const OPEN_STATUSES: readonly ApprovalStatus[] = ['pending', 'draft'];
export const MAX_LIST_LIMIT = 500;

/**
 * Statuses from a filter such as "pending", "pending,draft" or "all" (every status); no filter means
 * the open requests. Refused with `code` when a name is not a status.
 */
export function statusFilter(value: string | undefined, code: ErrorCode): readonly ApprovalStatus[] {
  if (value === undefined || value === '') return OPEN_STATUSES;
  if (value === 'all') return [];
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(APPROVAL_STATUSES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new GatehouseError(code, `Unknown status "${unknown[0]!.slice(0, 20)}"; use "all" or some of ${APPROVAL_STATUSES.join(', ')}, comma-separated.`);
  }
  return names as ApprovalStatus[];
}

/** A list limit from text: a whole number from 1 to MAX_LIST_LIMIT (default 50). */
export function listLimit(value: string | undefined, code: ErrorCode): number {
  if (value === undefined || value === '') return 50;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIST_LIMIT) throw new GatehouseError(code, `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}.`);
  return n;
}

export interface ApprovalView {
  readonly id: string;
  readonly kind: ApprovalRow['kind'];
  readonly status: ApprovalRow['status'];
  readonly connector: string;
  readonly tool: string;
  readonly operation: string;
  readonly power: string;
  /** Short description of what would happen (power, tool, target), without argument values. */
  readonly risk: string;
  readonly arguments: unknown;
  /** The arguments that run (after edits), once approved. */
  readonly approved_arguments: unknown;
  readonly edits: readonly { path: string; change: string }[];
  readonly agent: string;
  readonly agent_owner: string;
  readonly user_id: string | null;
  readonly approver_groups: readonly string[];
  readonly four_eyes: boolean;
  readonly policy_ids: readonly string[];
  readonly created_at: string;
  readonly expires_at: string;
  readonly decided_by: string | null;
  readonly decided_at: string | null;
  readonly decision_reason: string | null;
  readonly claimed_by: string | null;
  readonly executed_at: string | null;
  readonly result_summary: string | null;
  readonly error_code: string | null;
  readonly request_audit_id: string | null;
  readonly decision_audit_id: string | null;
  readonly execution_audit_id: string | null;
}

/** The view of a stored row. */
export function approvalView(row: ApprovalRow): ApprovalView {
  const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));
  return {
    id: row.id, kind: row.kind, status: row.status, connector: row.connector, tool: row.tool, operation: row.operation,
    power: row.power, risk: row.risk, arguments: parse(row.arguments), approved_arguments: parse(row.approvedArguments),
    edits: (parse(row.edits) ?? []) as ApprovalView['edits'], agent: row.agent, agent_owner: row.agentOwner, user_id: row.userId,
    approver_groups: JSON.parse(row.approverGroups) as string[], four_eyes: row.fourEyes, policy_ids: JSON.parse(row.policyIds) as string[],
    created_at: row.createdAt, expires_at: row.expiresAt, decided_by: row.decidedBy, decided_at: row.decidedAt,
    decision_reason: row.decisionReason, claimed_by: row.claimedBy, executed_at: row.executedAt, result_summary: row.resultSummary,
    error_code: row.errorCode, request_audit_id: row.requestAuditId, decision_audit_id: row.decisionAuditId,
    execution_audit_id: row.executionAuditId,
  };
}
