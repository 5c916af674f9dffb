/**
 * The rollback route of the admin API: undo what one audited call changed. The rollback itself runs
 * through the pipeline (approvals/rollback.ts): policy decides it, a gate may hold it, it is audited.
 */
import { approvalView } from '../admin/approval-view.js';
import { rollback } from '../approvals/rollback.js';
import { isAuditRecordId } from '../audit/audit-record.js';
import { GatehouseError } from '../errors/catalog.js';
import type { AdminCall, AdminRoute } from './admin-api.js';
import { jsonBody } from './admin-approvals.js';

export const ROLLBACK_ROUTES: readonly AdminRoute[] = [
  { method: 'POST', path: '/admin/v1/rollbacks', action: 'rollback', handle: rollbackRoute },
];

async function rollbackRoute(call: AdminCall): Promise<{ status: number; body: unknown }> {
  const body = await jsonBody(call);
  const unknown = Object.keys(body).filter((k) => k !== 'audit_id');
  if (unknown.length > 0) throw new GatehouseError('ADMIN_REQUEST_INVALID', `Unknown field "${unknown[0]!.slice(0, 40)}"; send audit_id.`);
  const auditId = body.audit_id;
  if (typeof auditId !== 'string' || !isAuditRecordId(auditId)) {
    throw new GatehouseError('ADMIN_REQUEST_INVALID', '"audit_id" must be the id of the audit record of the call to undo (aud_…).');
  }
  const outcome = await rollback(call.runtime, { auditId, admin: call.admin, via: call.via });
  await call.audit({
    decision: 'allow', status: 'ok', target: auditId,
    summary: outcome.status === 'held' ? `rollback held for approval ${outcome.approval?.id ?? ''}` : `reverted: ${outcome.summaries.join('; ')}`.slice(0, 300),
    ...(outcome.approval === undefined ? {} : { approval: outcome.approval.id }),
  });
  return {
    status: outcome.status === 'held' ? 202 : 200,
    body: {
      rollback: {
        audit_id: auditId, status: outcome.status, revert_audit_ids: outcome.auditIds, summaries: outcome.summaries,
        ...(outcome.approval === undefined ? {} : { approval: approvalView(outcome.approval) }),
      },
    },
  };
}
