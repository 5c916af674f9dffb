/**
 * `gatehouse approvals list|show|approve|reject|send|discard`: the approver's side of approval
 * gates, as the person whose token is in GATEHOUSE_ADMIN_TOKEN. Decisions follow every rule of
 * ApprovalService (exit 1 when one refuses); an approved request is executed by a running gateway
 * within about a second, not by this command.
 */
import { readFileSync } from 'node:fs';
import { approvalView, listLimit, statusFilter, type ApprovalView } from '../admin/approval-view.js';
import type { DecisionAction } from '../approvals/approval-service.js';
import { GatehouseError } from '../errors/catalog.js';
import type { ApprovalRow } from '../store/approval-repo.js';
import { printResult, table } from './admin-context.js';
import { withApprovals, type ApprovalsContext } from './approval-context.js';
import { applyAssignments } from './argument-assignments.js';
import { EXIT_OK, type Io } from './io.js';

interface ApprovalsOptions {
  readonly config: string;
  readonly args: readonly string[];
  readonly json?: boolean;
  readonly status?: string;
  readonly limit?: string;
  readonly reason?: string;
  readonly edit?: string;
  readonly set?: readonly string[];
}

const MAX_EDIT_FILE = 4 * 1024 * 1024;

/** `approvals list [--status pending] [--limit 50]`. */
export function approvalsList(io: Io) {
  return (o: ApprovalsOptions): Promise<number> => withApprovals(o.config, async (ctx) => {
    const statuses = statusFilter(o.status, 'USAGE');
    const rows = await ctx.service.list(statuses, listLimit(o.limit, 'USAGE'));
    await ctx.recordRead('approval_list', { summary: `${rows.length} request(s), status ${statuses.length === 0 ? 'all' : statuses.join(',')}` });
    printResult(io, o.json, rows.map(approvalView), rows.length === 0 ? `No requests with status ${statuses.length === 0 ? 'any' : statuses.join(' or ')}.`
      : table(['ID', 'KIND', 'STATUS', 'TOOL', 'ASKED BY', 'APPROVERS', 'EXPIRES'], rows.map((r) => [
        r.id, r.kind, r.status, r.tool, `${r.agent}${r.userId === null ? '' : ` for ${r.userId}`}`,
        (JSON.parse(r.approverGroups) as string[]).join(',') || 'any', r.expiresAt,
      ])));
    return EXIT_OK;
  });
}

/** `approvals show ID`: everything about one request, its arguments included. */
export function approvalsShow(io: Io) {
  return (o: ApprovalsOptions): Promise<number> => withApprovals(o.config, async (ctx) => {
    const row = await ctx.service.get(o.args[0] ?? '');
    await ctx.recordRead('approval_show', { target: row.id, approval: row.id, tool: row.tool, connector: row.connector, summary: row.status });
    printResult(io, o.json, approvalView(row), describe(approvalView(row)));
    return EXIT_OK;
  });
}

/** `approvals approve|reject|send|discard ID`: record a decision. */
export function approvalsDecide(io: Io, action: DecisionAction) {
  return (o: ApprovalsOptions): Promise<number> => withApprovals(o.config, async (ctx) => {
    const id = o.args[0] ?? '';
    if (action === 'reject' && (o.reason ?? '').trim() === '') {
      throw new GatehouseError('USAGE', '`approvals reject` needs --reason: the agent is told why.');
    }
    const edited = await editedArguments(ctx, id, o);
    const row = await ctx.service.decide({
      id, admin: ctx.admin, action, via: ctx.via, ...(edited === undefined ? {} : { edited }), ...(o.reason === undefined ? {} : { reason: o.reason }),
    });
    printResult(io, o.json, approvalView(row), decisionText(row, action));
    return EXIT_OK;
  });
}

/** The replacement arguments from --edit FILE.json or --set path=value, or undefined for none. */
async function editedArguments(ctx: ApprovalsContext, id: string, o: ApprovalsOptions): Promise<Record<string, unknown> | undefined> {
  const sets = o.set ?? [];
  if (o.edit !== undefined && sets.length > 0) throw new GatehouseError('USAGE', 'Use either --edit FILE.json or --set path=value, not both.');
  let edited: Record<string, unknown> | undefined;
  if (o.edit !== undefined) {
    edited = readEditFile(o.edit);
  } else if (sets.length > 0) {
    const row = await ctx.service.get(id);
    edited = applyAssignments(JSON.parse(row.arguments) as Record<string, unknown>, sets);
  }
  // Edits are checked against the tool's schema and policy, which needs the configuration loaded.
  if (edited !== undefined) await ctx.loadRuntime();
  return edited;
}

function readEditFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_EDIT_FILE) throw new GatehouseError('USAGE', `${file} is larger than ${MAX_EDIT_FILE} bytes.`);
    text = bytes.toString('utf8');
  } catch (err) {
    if (err instanceof GatehouseError) throw err;
    throw new GatehouseError('USAGE', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatehouseError('USAGE', `${file} is not valid JSON.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatehouseError('USAGE', `${file} must hold a JSON object: the complete arguments to run.`);
  }
  return value as Record<string, unknown>;
}

function decisionText(row: ApprovalRow, action: DecisionAction): string {
  const edits = row.edits === null ? '' : ` with edits to ${(JSON.parse(row.edits) as { path: string }[]).map((e) => e.path).join(', ')}`;
  const follow = `Follow it with \`gatehouse approvals show ${row.id}\`.`;
  switch (action) {
    case 'approve':
    case 'send':
      return `${action === 'approve' ? 'Approved' : 'Sent'} ${row.id} (${row.risk})${edits}. `
        + `A running gateway executes it within about a second (exactly once); this command does not run it. ${follow}`;
    case 'reject':
      return `Rejected ${row.id}: ${row.decisionReason ?? ''}. The agent is told so; nothing was executed.`;
    case 'discard':
      return `Discarded draft ${row.id}; nothing was sent.`;
  }
}

/** A request as text for `approvals show`. */
function describe(v: ApprovalView): string {
  const lines: [string, string][] = [
    ['status', `${v.kind} ${v.status}`],
    ['what', v.risk],
    ['tool', `${v.tool} (${v.power} on ${v.connector})`],
    ['asked by', `${v.agent} (owner ${v.agent_owner})${v.user_id === null ? '' : ` for user ${v.user_id}`}`],
    ['approvers', `${v.approver_groups.join(' or ') || 'any approver'}${v.four_eyes ? ', four eyes' : ''}; policies ${v.policy_ids.join(', ') || '-'}`],
    ['created', `${v.created_at}, expires ${v.expires_at}`],
    ['arguments', indent(JSON.stringify(v.arguments, null, 2))],
  ];
  if (v.decided_by !== null) lines.push(['decided', `by ${v.decided_by} at ${v.decided_at ?? '?'}${v.decision_reason ? `: ${v.decision_reason}` : ''}`]);
  if (v.edits.length > 0) {
    lines.push(['edits', v.edits.map((e) => `${e.path} (${e.change})`).join(', ')]);
    lines.push(['approved args', indent(JSON.stringify(v.approved_arguments, null, 2))]);
  }
  if (v.executed_at !== null) lines.push(['executed', `${v.executed_at} by ${v.claimed_by ?? '?'}: ${v.error_code ?? v.result_summary ?? 'done'}`]);
  const audit = [['request', v.request_audit_id], ['decision', v.decision_audit_id], ['execution', v.execution_audit_id]].filter(([, a]) => a !== null);
  if (audit.length > 0) lines.push(['audit', audit.map(([k, a]) => `${k} ${a}`).join(', ')]);
  return [v.id, ...lines.map(([k, text]) => `  ${k.padEnd(14)}${text}`)].join('\n');
}

function indent(text: string): string {
  return text.split('\n').join(`\n${' '.repeat(16)}`);
}
