/**
 * `gatehouse rollback AUDIT_ID`: undo what one audited call changed, as the person whose token is in
 * GATEHOUSE_ADMIN_TOKEN. The connectors of this configuration are started for the command; each
 * revert runs through the pipeline (policy, gates, kill switch, audit). A gated rollback becomes a
 * pending approval that a running gateway executes once approved.
 */
import { rollback } from '../approvals/rollback.js';
import { isAuditRecordId } from '../audit/audit-record.js';
import { GatehouseError } from '../errors/catalog.js';
import { printResult } from './admin-context.js';
import { withApprovals } from './approval-context.js';
import { EXIT_OK, type Io } from './io.js';

interface RollbackOptions {
  readonly config: string;
  readonly args: readonly string[];
  readonly json?: boolean;
}

export function rollbackCommand(io: Io) {
  return (o: RollbackOptions): Promise<number> => withApprovals(o.config, async (ctx) => {
    const auditId = o.args[0] ?? '';
    if (!isAuditRecordId(auditId)) throw new GatehouseError('USAGE', 'Give the audit id of the call to undo (aud_…, from `gatehouse audit tail`).');
    await ctx.loadRuntime();
    const outcome = await rollback(ctx.runtime(), { auditId, admin: ctx.admin, via: ctx.via });
    const text = outcome.status === 'held'
      ? `Policy holds this rollback for approval: ${outcome.approval?.id ?? ''}. A running gateway runs it once it is approved.\n`
      : `Reverted ${auditId}: ${outcome.summaries.join('; ')} (audit ${outcome.auditIds.join(', ')}).\n`;
    printResult(io, o.json, { audit_id: auditId, status: outcome.status, revert_audit_ids: outcome.auditIds, summaries: outcome.summaries, approval: outcome.approval?.id }, text);
    return EXIT_OK;
  });
}
