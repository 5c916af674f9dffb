import { gateOf } from '../../approvals/approval-rules.js';
import type { Stage } from '../stage.js';

/**
 * Step 8: approval gates and drafts. A call whose deciding permit carries `@approval("group")` is
 * not executed: it is held, with its exact arguments and actor chain, until a person decides it.
 * An operation of power `draft` is stored for people to review and never reaches the system by
 * itself. A call that executes an approved request passes: authorize has just decided it again.
 */
export const gate: Stage = {
  name: 'gate',
  async run(ctx, runtime) {
    if (ctx.approval !== undefined) return;
    const tool = ctx.tool!;
    const draft = tool.operation.power === 'draft';
    const held = gateOf(ctx.decision!);
    if (!draft && held === undefined) return;
    const row = await runtime.approvals.hold(ctx, draft ? 'draft' : 'approval', held);
    ctx.held = row;
    const groups = (JSON.parse(row.approverGroups) as string[]).map((g) => `"${g}"`).join(' or ');
    const text = draft
      ? `Draft ${row.id} stored: ${row.risk}. It was not sent; a person will review it and may edit, send or discard it.`
      : `This action needs approval by a person (${groups}) before it runs: ${row.risk}. Approval id: ${row.id}, `
        + `expires ${row.expiresAt}. It has not been executed. Check it with the gatehouse_approval_status tool, or wait for it with gatehouse_approval_wait.`;
    ctx.result = {
      text,
      structured: { approval: { id: row.id, kind: row.kind, status: row.status, expires_at: row.expiresAt, approver_groups: JSON.parse(row.approverGroups) as string[] } },
      summary: draft ? `stored as draft ${row.id}` : `held for approval ${row.id}`,
      provenance: [],
    };
  },
};
