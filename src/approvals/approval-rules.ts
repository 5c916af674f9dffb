/**
 * The rules of approval gates, as pure functions: which decisions gate a call, who may decide a
 * held request, and what an approver's edits changed. The service (approval-service.ts) applies
 * them; keeping them here keeps them testable one by one.
 */
import canonicalize from 'canonicalize';
import type { AdminConfig } from '../config/schema.js';
import type { Decision } from '../domain/types.js';
import type { ApprovalRow } from '../store/approval-repo.js';

/** The annotation on a permit policy naming the group whose approvers must approve the call. */
export const APPROVAL_ANNOTATION = 'approval';
/** `@four_eyes("off")` on every gating policy lets the requester's side approve (default: on). */
export const FOUR_EYES_ANNOTATION = 'four_eyes';

/** What holds a call for a person. */
export interface Gate {
  /** Groups whose approvers may decide (any of them), sorted. */
  readonly groups: readonly string[];
  /** Ids of the permit policies that asked for approval. */
  readonly policyIds: readonly string[];
  readonly fourEyes: boolean;
}

/**
 * The gate of an allowed decision, or undefined if no deciding permit asks for approval. When
 * several permits decide and any one asks for approval, the call is held: a broad permit must not
 * silently bypass a narrower one's gate.
 */
export function gateOf(decision: Decision): Gate | undefined {
  if (!decision.allowed) return undefined;
  const gating = decision.policyIds.filter((id) => (decision.annotations[id]?.[APPROVAL_ANNOTATION] ?? '') !== '');
  if (gating.length === 0) return undefined;
  const groups = [...new Set(gating.map((id) => decision.annotations[id]![APPROVAL_ANNOTATION]!.trim()))].sort();
  const fourEyes = !gating.every((id) => decision.annotations[id]?.[FOUR_EYES_ANNOTATION]?.trim().toLowerCase() === 'off');
  return { groups, policyIds: gating, fourEyes };
}

/** Why `admin` may not decide `request`, or undefined if it may. */
export function decisionProblem(admin: AdminConfig, request: Pick<ApprovalRow, 'approverGroups' | 'fourEyes' | 'userId' | 'agentOwner'>): string | undefined {
  if (admin.role === 'auditor') return `${admin.name} is an auditor and may only read`;
  const groups = JSON.parse(request.approverGroups) as string[];
  // A request naming no group (a draft no policy gates) may be decided by any approver.
  if (admin.role === 'approver' && groups.length > 0 && !admin.groups.some((g) => groups.includes(g))) {
    return `${admin.name} is not an approver of ${groups.map((g) => `"${g}"`).join(' or ')}`;
  }
  if (request.fourEyes) {
    const self = admin.name.toLowerCase();
    if (request.userId !== null && request.userId.toLowerCase() === self) return `${admin.name} asked for this action (as the user the agent acted for) and cannot approve it`;
    if (request.agentOwner.toLowerCase() === self) return `${admin.name} owns the agent that asked for this action and cannot approve it`;
  }
  return undefined;
}

/** One changed value between requested and approved arguments: its JSON path, nothing of its content. */
export interface ArgumentEdit {
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
}

/** The paths where `after` differs from `before` (objects compared key by key, anything else as a whole). */
export function argumentEdits(before: unknown, after: unknown, path = ''): ArgumentEdit[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const at = path === '' ? k : `${path}.${k}`;
      if (!(k in before)) return [{ path: at, change: 'added' as const }];
      if (!(k in after)) return [{ path: at, change: 'removed' as const }];
      return argumentEdits(before[k], after[k], at);
    });
  }
  return canonicalize(before) === canonicalize(after) ? [] : [{ path: path === '' ? '(arguments)' : path, change: 'changed' }];
}
