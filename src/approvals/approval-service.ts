/**
 * Held requests: calls a policy gates (`@approval("group")`) and drafts (operations of power
 * `draft`). The gate stage holds them here; people decide them here (admin API and CLI); the
 * executor (approval-executor.ts) runs what was approved, exactly once.
 *
 *   pending ──approve──▶ approved ──claim──▶ executing ──▶ executed | failed
 *      │  └──reject──▶ rejected                 (a crash leaves `executing`: never retried)
 *      └──(time)──▶ expired
 *   draft ──send──▶ approved …      draft ──discard──▶ discarded
 *
 * Every move is a compare-and-set in the store, so two approvers, two replicas or a retry can never
 * both succeed. Each decision is audited with the approval id, linking request, decision and
 * execution records.
 */
import { randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditSink } from '../audit/audit-entry.js';
import { durationMs } from '../config/schema-parts.js';
import type { AdminConfig } from '../config/schema.js';
import type { EndUser } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';
import { agentFromConfig } from '../identity/authenticator.js';
import type { Runtime } from '../main/runtime.js';
import type { Logger } from '../ops/logger.js';
import type { CallContext } from '../pipeline/call-context.js';
import type { ApprovalRow, ApprovalStatus } from '../store/approval-repo.js';
import type { Store } from '../store/store.js';
import { argumentEdits, decisionProblem, type Gate } from './approval-rules.js';

export interface ApprovalServiceDeps {
  readonly store: Store;
  readonly audit: AuditSink;
  readonly log: Logger;
  /** The live configuration, tools and policies (they change on reload). */
  readonly current: () => Runtime;
  readonly now?: () => Date;
  /** Told of each new held request (notification webhook). */
  readonly onHeld?: (row: ApprovalRow) => void;
}

/** What a person does with a held request. */
export type DecisionAction = 'approve' | 'reject' | 'send' | 'discard';

export interface DecisionInput {
  readonly id: string;
  readonly admin: AdminConfig;
  readonly action: DecisionAction;
  /** Replacement arguments (approve/send only); the diff against the request is recorded. */
  readonly edited?: Readonly<Record<string, unknown>>;
  readonly reason?: string;
  /** Where the decision came from, for the audit record (e.g. "admin-api", "cli"). */
  readonly via: string;
}

const FROM: Record<DecisionAction, readonly ApprovalStatus[]> = {
  approve: ['pending'], reject: ['pending'], send: ['draft'], discard: ['draft'],
};
const TO: Record<DecisionAction, ApprovalStatus> = { approve: 'approved', reject: 'rejected', send: 'approved', discard: 'discarded' };
const MAX_REASON = 500;

export class ApprovalService {
  readonly #deps: ApprovalServiceDeps;

  constructor(deps: ApprovalServiceDeps) {
    this.#deps = deps;
  }

  #now(): Date {
    return (this.#deps.now ?? (() => new Date()))();
  }

  /** Hold a call: store it as a pending approval or a draft, with its exact arguments and actor chain. */
  async hold(ctx: CallContext, kind: ApprovalRow['kind'], gate: Gate | undefined): Promise<ApprovalRow> {
    const runtime = this.#deps.current();
    const tool = ctx.tool!;
    const now = this.#now();
    const user = ctx.caller.user;
    const row: ApprovalRow = {
      id: `${kind === 'draft' ? 'drf' : 'apr'}_${randomBytes(12).toString('base64url')}`,
      kind,
      status: kind === 'draft' ? 'draft' : 'pending',
      connector: tool.connector.name,
      tool: tool.name,
      operation: tool.operation.name,
      power: tool.operation.power,
      arguments: canonical(ctx.arguments),
      approvedArguments: null,
      agent: ctx.caller.agent.name,
      agentOwner: ctx.caller.agent.owner,
      keyId: ctx.caller.keyId,
      userId: user?.id ?? null,
      userJson: user === undefined ? null : canonical({ id: user.id, groups: user.groups, attributes: user.attributes }),
      policyIds: JSON.stringify(gate?.policyIds ?? ctx.decision?.policyIds ?? []),
      approverGroups: JSON.stringify(gate?.groups ?? []),
      fourEyes: gate?.fourEyes ?? true,
      risk: riskSummary(ctx),
      requestAuditId: null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + durationMs(runtime.config.approvals.expire_after)).toISOString(),
      decidedBy: null, decidedAt: null, decisionReason: null, edits: null, decisionAuditId: null,
      claimedBy: null, claimedAt: null, executedAt: null, executionAuditId: null, resultSummary: null, errorCode: null,
      updatedAt: now.toISOString(),
    };
    await this.#deps.store.approvals.insertApproval(row);
    return row;
  }

  /** Link a held request to the audit record of the call that made it, and announce it. */
  async held(row: ApprovalRow, auditId: string): Promise<void> {
    await this.#deps.store.approvals.linkApproval(row.id, { requestAuditId: auditId });
    this.#deps.onHeld?.({ ...row, requestAuditId: auditId });
  }

  /** A request as its agent may see it; any other agent's request does not exist for it. */
  async forAgent(id: string, agent: string): Promise<ApprovalRow> {
    const row = await this.#current(id);
    if (row === undefined || row.agent !== agent) {
      throw new GatehouseError('APPROVAL_NOT_FOUND', `No approval or draft "${id.slice(0, 64)}" was requested by agent "${agent}".`);
    }
    return row;
  }

  /** A request for people (admin API, CLI); expiry is applied on read. */
  async get(id: string): Promise<ApprovalRow> {
    const row = await this.#current(id);
    if (row === undefined) throw new GatehouseError('APPROVAL_NOT_FOUND', `No approval or draft "${id.slice(0, 64)}".`);
    return row;
  }

  async list(statuses: readonly ApprovalStatus[], limit = 100): Promise<ApprovalRow[]> {
    await this.expireDue();
    return this.#deps.store.approvals.listApprovals({ statuses, limit });
  }

  /** Move every pending request past its expiry to `expired` (audited). */
  async expireDue(): Promise<number> {
    const due = await this.#deps.store.approvals.listDue(this.#now().toISOString(), 500);
    let expired = 0;
    for (const row of due) if (await this.#expire(row)) expired++;
    return expired;
  }

  /**
   * Apply a person's decision. Refuses, with a clear code, unknown or foreign requests, decided or
   * expired ones, deciders without the role or group, four-eyes violations and edits that break the
   * schema or reach beyond what policy permits the requester. Every attempt is audited.
   */
  async decide(input: DecisionInput): Promise<ApprovalRow> {
    const started = Date.now();
    let row: ApprovalRow | undefined;
    try {
      row = await this.get(input.id);
      const updated = await this.#decide(row, input);
      await this.#auditDecision(input, row, 'ok', undefined, updated, Date.now() - started);
      return updated;
    } catch (err) {
      const code = err instanceof GatehouseError ? err.code : 'INTERNAL_ERROR';
      await this.#auditDecision(input, row, code === 'APPROVAL_FORBIDDEN' ? 'denied' : 'error', code, undefined, Date.now() - started);
      throw err;
    }
  }

  async #decide(row: ApprovalRow, input: DecisionInput): Promise<ApprovalRow> {
    const action = input.action;
    const forDrafts = action === 'send' || action === 'discard';
    if ((row.kind === 'draft') !== forDrafts) {
      throw new GatehouseError('USAGE', row.kind === 'draft'
        ? `${row.id} is a draft: send or discard it (approve and reject apply to approvals).`
        : `${row.id} is an approval: approve or reject it (send and discard apply to drafts).`);
    }
    if (!FROM[action].includes(row.status)) {
      if (row.status === 'expired') throw new GatehouseError('APPROVAL_EXPIRED', `Approval ${row.id} expired at ${row.expiresAt}.`);
      const kind = row.kind === 'draft' ? 'a draft' : 'an approval';
      throw new GatehouseError('APPROVAL_ALREADY_DECIDED', `Cannot ${action} ${row.id}: it is ${kind} in state "${row.status}".`);
    }
    const problem = decisionProblem(input.admin, row);
    if (problem !== undefined) throw new GatehouseError('APPROVAL_FORBIDDEN', `Cannot ${action} ${row.id}: ${problem}.`);
    const reason = input.reason?.slice(0, MAX_REASON);
    const at = this.#now().toISOString();
    let fields: Parameters<Store['approvals']['transitionApproval']>[3] = { decidedBy: input.admin.name, decidedAt: at, decisionReason: reason ?? null };
    if (action === 'approve' || action === 'send') {
      const checked = input.edited === undefined ? { approved: row.arguments, risk: row.risk } : await this.#checkEdits(row, input.edited);
      const edits = argumentEdits(JSON.parse(row.arguments), JSON.parse(checked.approved));
      fields = { ...fields, approvedArguments: checked.approved, risk: checked.risk, edits: edits.length === 0 ? null : JSON.stringify(edits) };
    } else if (input.edited !== undefined) {
      throw new GatehouseError('USAGE', `Edits apply to approve and send, not to ${action}.`);
    }
    const moved = await this.#deps.store.approvals.transitionApproval(row.id, FROM[action], TO[action], fields, at, TO[action] === 'approved' ? at : undefined);
    if (!moved) {
      const now = await this.#current(row.id);
      if (now?.status === 'expired') throw new GatehouseError('APPROVAL_EXPIRED', `Approval ${row.id} expired at ${row.expiresAt}.`);
      throw new GatehouseError('APPROVAL_ALREADY_DECIDED', `Cannot ${action} ${row.id}: it was decided meanwhile (now "${now?.status ?? 'gone'}").`);
    }
    return (await this.#deps.store.approvals.getApproval(row.id))!;
  }

  /** Canonical edited arguments, if they fit the tool's schema and policy still permits them for the requester. */
  async #checkEdits(row: ApprovalRow, edited: Readonly<Record<string, unknown>>): Promise<{ approved: string; risk: string }> {
    const runtime = this.#deps.current();
    const tool = runtime.tools.get(row.tool);
    if (tool === undefined) throw new GatehouseError('APPROVAL_EDIT_INVALID', `The tool ${row.tool} is no longer offered; the request cannot be edited.`);
    if (!tool.validate(edited)) {
      const problems = (tool.validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '(arguments)'} ${e.message ?? 'is invalid'}`);
      throw new GatehouseError('APPROVAL_EDIT_INVALID', `The edited arguments do not match the schema of ${row.tool}: ${problems.join('; ')}.`);
    }
    // An edit may point the action elsewhere (another row, another path): policy decides that target too.
    const agent = runtime.config.agents.find((a) => a.name === row.agent);
    if (agent === undefined) throw new GatehouseError('APPROVAL_EDIT_INVALID', `Agent "${row.agent}" is no longer declared.`);
    let resource;
    try {
      resource = await tool.connector.target(tool.operation.name, edited);
    } catch (err) {
      throw new GatehouseError('APPROVAL_EDIT_INVALID', `The edited arguments name no valid target: ${err instanceof GatehouseError ? err.code : 'invalid'}.`);
    }
    const decision = runtime.authorizer.authorize({
      caller: { agent: agentFromConfig(agent), keyId: row.keyId, user: userOf(row) },
      action: tool.operation.power, connector: tool.facts, resource, tool: tool.name, operation: tool.operation.name,
    });
    if (!decision.allowed) {
      throw new GatehouseError('APPROVAL_EDIT_INVALID', `Policy does not permit the requester to ${tool.operation.power} ${resource.type} "${resource.id}" with the edited arguments.`);
    }
    return { approved: canonical(edited), risk: `${tool.operation.power} through ${tool.name} on ${resource.type} ${resource.id}`.slice(0, 300) };
  }

  async #expire(row: ApprovalRow): Promise<boolean> {
    const at = this.#now().toISOString();
    const moved = await this.#deps.store.approvals.transitionApproval(row.id, ['pending', 'approved'], 'expired', {}, at);
    if (moved) {
      await this.#deps.audit.record({
        kind: 'admin', requestId: `req_${randomBytes(9).toString('base64url')}`, actor: { admin: 'gatehouse' }, action: 'approval_expire',
        connector: row.connector, target: row.id, decision: 'none', policyIds: [], status: 'ok', summary: `${row.tool} expired undecided`,
        durationMs: 0, approval: row.id,
      });
    }
    return moved;
  }

  async #current(id: string): Promise<ApprovalRow | undefined> {
    const row = await this.#deps.store.approvals.getApproval(id);
    if (row !== undefined && (row.status === 'pending' || row.status === 'approved') && row.expiresAt <= this.#now().toISOString()) {
      await this.#expire(row);
      return this.#deps.store.approvals.getApproval(id);
    }
    return row;
  }

  async #auditDecision(input: DecisionInput, row: ApprovalRow | undefined, status: 'ok' | 'denied' | 'error', errorCode: string | undefined, updated: ApprovalRow | undefined, duration: number): Promise<void> {
    const edits = updated?.edits === null || updated?.edits === undefined ? [] : (JSON.parse(updated.edits) as { path: string }[]).map((e) => e.path);
    const summary = status !== 'ok' ? `${input.action} refused`
      : `${input.action}${edits.length > 0 ? ` with edits to ${edits.join(', ')}` : ''}${row ? ` (requested by ${row.agent}${row.userId ? ` for ${row.userId}` : ''})` : ''}`;
    const auditId = await this.#deps.audit.record({
      kind: 'admin', requestId: `req_${randomBytes(9).toString('base64url')}`, actor: { admin: input.admin.name }, action: `approval_${input.action}`,
      tool: row?.tool, connector: row?.connector, target: (row?.id ?? input.id).slice(0, 64), decision: status === 'ok' ? 'allow' : status === 'denied' ? 'deny' : 'error',
      policyIds: [], status, ...(errorCode === undefined ? {} : { errorCode }), summary, durationMs: duration, client: input.via,
      ...(row === undefined ? {} : { approval: row.id }),
    }, updated?.approvedArguments ? { arguments: JSON.parse(updated.approvedArguments) } : undefined);
    if (updated !== undefined) await this.#deps.store.approvals.linkApproval(updated.id, { decisionAuditId: auditId });
  }
}

/** RFC 8785 JSON: the exact bytes approved are the exact bytes executed. */
export function canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new GatehouseError('ARGUMENTS_INVALID', 'The arguments have no JSON form.');
  return text;
}

/** What would happen, without any argument value: power, tool, target. */
function riskSummary(ctx: CallContext): string {
  const tool = ctx.tool!;
  const target = ctx.resource === undefined ? tool.connector.name : `${ctx.resource.type} ${ctx.resource.id}`;
  return `${tool.operation.power} through ${tool.name} on ${target}`.slice(0, 300);
}

/** The end user a held request was made for, as stored. */
export function userOf(row: ApprovalRow): EndUser | undefined {
  return row.userJson === null ? undefined : JSON.parse(row.userJson) as EndUser;
}
