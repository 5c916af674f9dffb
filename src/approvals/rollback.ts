/**
 * Rollback: undo what one audited call changed, from the before-images stored with its record.
 *
 * The undo is not a side door: each recorded change is reverted by a call through the whole
 * pipeline, as the agent (and user) who made the original call, to the connector's hidden `revert`
 * operation. So policy decides it (write on that record), a gate holds it for approval if policy
 * says so, the kill switch applies, and it is audited with the person who asked (`actor.admin`)
 * and the record it reverts (`reverts`). The connector refuses a row that changed since the write,
 * naming the columns, so a later change is never overwritten; a second rollback of the same call
 * is refused the same way.
 */
import { randomBytes } from 'node:crypto';
import { parseAuditBody } from '../audit/audit-record.js';
import type { AdminConfig } from '../config/schema.js';
import type { EndUser } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';
import { agentFromConfig } from '../identity/authenticator.js';
import type { Runtime } from '../main/runtime.js';
import { CallFailure, runToolCall } from '../pipeline/runner.js';
import type { ApprovalRow } from '../store/approval-repo.js';
import { userOf } from './approval-service.js';

export interface RollbackInput {
  readonly auditId: string;
  readonly admin: AdminConfig;
  /** Where the request came from (e.g. "cli", "admin-api"), for the trail. */
  readonly via: string;
}

export interface RollbackOutcome {
  /** `reverted`: every change was undone; `held`: policy gates the rollback, see `approval`. */
  readonly status: 'reverted' | 'held';
  /** Audit ids of the revert calls that ran (or was held). */
  readonly auditIds: readonly string[];
  readonly approval?: ApprovalRow;
  readonly summaries: readonly string[];
}

/** Change kinds a connector's `revert` operation can undo: SQL row writes, HTTP calls with a compensating operation. */
const REVERTIBLE = new Set(['update', 'insert', 'http']);

/** Undo every change recorded with `auditId`, newest first; stops at the first refusal or gate. */
export async function rollback(runtime: Runtime, input: RollbackInput): Promise<RollbackOutcome> {
  if (input.admin.role === 'auditor') {
    throw new GatehouseError('APPROVAL_FORBIDDEN', `${input.admin.name} is an auditor and may only read; a rollback needs an admin or approver.`);
  }
  const record = await runtime.store.findAudit(input.auditId);
  if (record === undefined) throw new GatehouseError('AUDIT_RECORD_NOT_FOUND', `No audit record "${input.auditId.slice(0, 64)}".`);
  const body = parseAuditBody(record.body);
  const changes = await runtime.store.listChanges(input.auditId);
  if (body.kind !== 'tool_call' || body.status !== 'ok' || changes.length === 0) {
    throw new GatehouseError('ROLLBACK_REFUSED', `Audit record ${input.auditId} recorded no change that can be reverted (only successful writes keep before-images).`);
  }
  const agentName = body.actor.agent ?? '';
  const declared = runtime.config.agents.find((a) => a.name === agentName);
  if (declared === undefined) throw new GatehouseError('ROLLBACK_REFUSED', `The agent "${agentName}" that made the change is no longer declared; revert it by hand.`);
  // The user as the original call saw them: kept with its approval when there was one, else from configuration.
  const approved = body.approval === undefined ? undefined : await runtime.store.approvals.getApproval(body.approval);
  const user = approved?.userJson ? userOf(approved) : userFor(runtime, body.actor.user);
  const caller = { agent: agentFromConfig(declared), keyId: body.actor.keyId ?? 'rollback', user };

  const auditIds: string[] = [];
  const summaries: string[] = [];
  for (const change of [...changes].sort((a, b) => b.position - a.position)) {
    if (!REVERTIBLE.has(change.kind) || change.afterImage === null) {
      throw new GatehouseError('ROLLBACK_REFUSED', `A "${change.kind}" change of ${change.target}/${change.recordKey} cannot be reverted automatically.`);
    }
    const toolName = `${change.connector}_revert`;
    if (runtime.tools.get(toolName) === undefined) {
      throw new GatehouseError('ROLLBACK_REFUSED', `Connector "${change.connector}" cannot revert changes now (it is gone, or no longer has write power on ${change.target}).`);
    }
    try {
      const outcome = await runToolCall({
        requestId: `req_${randomBytes(9).toString('base64url')}`,
        caller,
        toolName,
        arguments: {
          target: change.target, key: change.recordKey, kind: change.kind,
          before: change.beforeImage === null ? null : JSON.parse(change.beforeImage) as unknown, after: JSON.parse(change.afterImage) as unknown,
        },
        signal: new AbortController().signal,
        client: input.via.slice(0, 64),
        internal: { admin: input.admin.name, reverts: input.auditId },
      }, runtime);
      auditIds.push(outcome.auditId);
      summaries.push(outcome.result.summary);
      if (outcome.held !== undefined) return { status: 'held', auditIds, approval: outcome.held, summaries };
    } catch (err) {
      if (err instanceof CallFailure) throw err.error;
      throw err;
    }
  }
  return { status: 'reverted', auditIds, summaries };
}

/** The end user of the original call as configuration knows them (the audit record keeps only the id). */
function userFor(runtime: Runtime, id: string | undefined): EndUser | undefined {
  if (id === undefined) return undefined;
  const known = runtime.config.users.find((u) => u.id === id);
  return { id, groups: known?.groups ?? [], attributes: known?.attributes ?? {} };
}
