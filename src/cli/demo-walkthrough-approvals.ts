/**
 * The walkthrough steps for approvals, on the sample CRM: the agent's change to an escalated ticket
 * is held (the CRM untouched), the agent's owner may not approve it (four eyes), a helpdesk lead
 * approves it with an edit through the admin API (approved and executed in one call), the agent
 * sees the outcome, the change is rolled back through the admin API, and the audit trail links
 * request, decisions, execution and revert. Each step checks the real outcome: the CRM row as
 * crm_get returns it, the admin API's answers and the audit records.
 */
import type { KeyObject } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ApprovalView } from '../admin/approval-view.js';
import { parseAuditBody, type AuditRecordBody } from '../audit/audit-record.js';
import { USER_ASSERTION_HEADER } from '../identity/user-assertion.js';
import type { Gateway } from '../main/gateway.js';
import { DEMO_TICKETS } from './demo-crm.js';
import { call, connect, rowOf, textOf, userAssertion, type StepReporter } from './demo-steps.js';
import { DEMO_APPROVER_GROUP, DEMO_ESCALATED_TICKETS, DEMO_USER, type DemoPeople } from './demo-systems.js';
import { DEMO_AGENT } from './scaffold.js';

/** A declared person and the API token the demo issued them. */
export interface DemoPerson {
  readonly name: string;
  readonly token: string;
}

/** What the approval steps talk to. */
export interface ApprovalsTarget {
  /** The gateway's MCP URL (the admin API is on the same listener) and the agent key. */
  readonly url: string;
  readonly key: string;
  /** Signs the user assertion for DEMO_USER. */
  readonly userSigningKey: KeyObject;
  /** Its store holds the audit trail the last step follows. */
  readonly gateway: Gateway;
  readonly people: DemoPeople<DemoPerson>;
}

/** The escalated ticket the agent asks to change: a data processing agreement request of an enterprise customer. */
const TICKET = DEMO_TICKETS.find((t) => t.id === 6)!;
/** The category the agent asks for, and the one the approver sets instead. */
const REQUESTED = 'how-to';
const APPROVED = 'privacy';
const GATE_POLICY = 'crm-escalated-tickets-need-a-lead';

/** An answer of the admin API: the status and the parts of the body the steps read. */
interface AdminAnswer {
  readonly status: number;
  readonly approval?: ApprovalView;
  readonly rollback?: { readonly status: string; readonly revert_audit_ids: readonly string[]; readonly summaries: readonly string[] };
  readonly error?: { readonly code: string; readonly message: string };
}

/** Call the admin API as `person`; a body is sent as JSON (state changes require it). */
async function adminApi(target: ApprovalsTarget, person: DemoPerson, path: string, body?: Record<string, unknown>): Promise<AdminAnswer> {
  const res = await fetch(new URL(`/admin/v1/${path}`, target.url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${person.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json().catch(() => ({})) as Omit<AdminAnswer, 'status'>;
  return { ...json, status: res.status };
}

async function ticketCategory(asUser: Client): Promise<string> {
  return String(rowOf(await call(asUser, 'crm_get', { table: 'tickets', key: TICKET.id }))?.category);
}

/** Every audit record so far, oldest first. */
async function auditTrail(target: ApprovalsTarget): Promise<AuditRecordBody[]> {
  await target.gateway.audit.flush();
  return (await target.gateway.store.readAudit({ limit: 100_000 })).map((row) => parseAuditBody(row.body));
}

async function askStep(r: StepReporter, asUser: Client): Promise<string | undefined> {
  r.step(`Acting for ${DEMO_USER.id}, ask to re-categorise ticket ${TICKET.id} ("${TICKET.subject}", an enterprise customer's: escalated) as ${REQUESTED}`);
  const held = await call(asUser, 'crm_update', { table: 'tickets', key: TICKET.id, values: { category: REQUESTED } });
  r.show(textOf(held));
  const id = String(held._meta?.['gatehouse/approvalId'] ?? '');
  const category = await ticketCategory(asUser);
  r.show(`crm_get afterwards: category "${category}"`);
  r.expect(!held.isError && /^apr_/.test(id) && textOf(held).includes(`"${DEMO_APPROVER_GROUP}"`) && DEMO_ESCALATED_TICKETS.includes(TICKET.id),
    `Held, not refused: policy ${GATE_POLICY} gates it for "${DEMO_APPROVER_GROUP}", and the agent has the pending approval id ${id}`,
    'the update of an escalated ticket should be held for approval');
  r.expect(category === TICKET.category, `Nothing changed in the CRM: ticket ${TICKET.id} is still "${TICKET.category}"`, 'a held update must not reach the CRM');
  return /^apr_/.test(id) ? id : undefined;
}

async function selfApprovalStep(r: StepReporter, target: ApprovalsTarget, id: string): Promise<void> {
  const { owner, auditor } = target.people;
  r.step(`${owner.name} owns ${DEMO_AGENT} and is an approver of "${DEMO_APPROVER_GROUP}" too: approve it with their own token (POST /admin/v1/approvals/${id}/approve)`);
  const refused = await adminApi(target, owner, `approvals/${id}/approve`, {});
  r.show(`HTTP ${refused.status} ${refused.error?.code ?? ''}: ${refused.error?.message ?? ''}`);
  r.expect(refused.status === 403 && refused.error?.code === 'APPROVAL_FORBIDDEN' && (refused.error.message.includes('owns the agent')),
    'Refused with 403 APPROVAL_FORBIDDEN: four eyes, the owner of the agent that asked cannot approve what it asked for',
    'the owner\'s approval must be refused with 403 APPROVAL_FORBIDDEN');
  const read = (await adminApi(target, auditor, `approvals/${id}`)).approval;
  r.show(`GET /admin/v1/approvals/${id} as ${auditor.name} (auditor: reads, never decides): status "${read?.status ?? '?'}", `
    + `policy ${read?.policy_ids.join(', ') ?? '?'}, arguments ${JSON.stringify(read?.arguments)}`);
  r.expect(read?.status === 'pending' && read.policy_ids.includes(GATE_POLICY) && read.decided_by === null,
    'Still pending and undecided: people see exactly what they would approve, arguments included', 'the request should still be pending');
}

async function approveStep(r: StepReporter, target: ApprovalsTarget, asUser: Client, id: string): Promise<string | undefined> {
  const { approver } = target.people;
  r.step(`${approver.name} (approver, "${DEMO_APPROVER_GROUP}") approves it with an edit, category "${APPROVED}" instead of "${REQUESTED}" (POST /admin/v1/approvals/${id}/approve)`);
  r.show(`(from the command line: GATEHOUSE_ADMIN_TOKEN=<their gha_ token> gatehouse approvals approve ${id} --set values.category=${APPROVED})`);
  const edited = { table: 'tickets', key: TICKET.id, values: { category: APPROVED } };
  const answer = await adminApi(target, approver, `approvals/${id}/approve`, { arguments: edited, reason: 'DPA requests go to the data protection team' });
  const view = answer.approval;
  r.show(`HTTP ${answer.status}: status "${view?.status ?? answer.error?.code ?? '?'}", decided by ${view?.decided_by ?? '?'}, `
    + `edited ${view?.edits.map((e) => e.path).join(', ') ?? '?'}, result "${view?.result_summary ?? ''}"`);
  r.expect(answer.status === 200 && view?.status === 'executed' && view.edits.map((e) => e.path).join() === 'values.category',
    'Approved and executed in one call: the answer says "executed" and names the edited path (values.category)', 'the approval should execute at once');
  const category = await ticketCategory(asUser);
  const executions = (await auditTrail(target)).filter((b) => b.kind === 'tool_call' && b.tool === 'crm_update' && b.approval === id && b.status === 'ok');
  r.show(`crm_get afterwards: category "${category}"; executed crm_update records for ${id}: ${executions.length}`);
  r.expect(category === APPROVED && executions.length === 1 && executions[0]?.actor.approver === approver.name && executions[0].id === view?.execution_audit_id,
    `The CRM has the approved category "${APPROVED}", not the requested "${REQUESTED}", changed exactly once: one executed crm_update for ${id}, naming the approver`,
    `the approved category should be written exactly once (found ${executions.length} executions)`);
  return view?.execution_audit_id ?? undefined;
}

async function statusStep(r: StepReporter, target: ApprovalsTarget, asUser: Client, id: string): Promise<void> {
  r.step(`The agent asks how its request went (gatehouse_approval_status {"id": "${id}"})`);
  const status = await call(asUser, 'gatehouse_approval_status', { id });
  r.show(textOf(status));
  const approval = (status.structuredContent as { approval?: { status?: string; edited?: boolean; decided_by?: string } } | undefined)?.approval;
  r.expect(!status.isError && approval?.status === 'executed' && approval.edited === true && approval.decided_by === target.people.approver.name,
    `The agent learns that ${target.people.approver.name} approved it with edits and that it ran, with the row as written`,
    'the agent should see its request executed, with edits');
}

async function rollbackStep(r: StepReporter, target: ApprovalsTarget, asUser: Client, executionAuditId: string): Promise<void> {
  const { approver } = target.people;
  r.step(`Roll the change back as ${approver.name} (POST /admin/v1/rollbacks {"audit_id": "${executionAuditId}"}, the execution's record)`);
  const answer = await adminApi(target, approver, 'rollbacks', { audit_id: executionAuditId });
  r.show(`HTTP ${answer.status}: ${answer.rollback?.status ?? answer.error?.code ?? '?'}; ${answer.rollback?.summaries.join('; ') ?? answer.error?.message ?? ''}`);
  const category = await ticketCategory(asUser);
  r.show(`crm_get afterwards: category "${category}"`);
  r.expect(answer.status === 200 && answer.rollback?.status === 'reverted' && category === TICKET.category,
    `Reverted from the before-image kept with the execution's record: ticket ${TICKET.id} is "${TICKET.category}" again (policy decided the revert, as a call of ${DEMO_AGENT})`,
    'the rollback should restore the previous category');
}

/** One line per audit record: id, kind, what, status, who, links. */
function describeRecord(b: AuditRecordBody): string {
  const who = b.actor.admin !== undefined && b.actor.agent === undefined ? b.actor.admin
    : `${b.actor.agent ?? '?'}${b.actor.user ? ` for ${b.actor.user}` : ''}${b.actor.approver ? `, approved by ${b.actor.approver}` : ''}${b.actor.admin ? `, asked by ${b.actor.admin}` : ''}`;
  const links = [b.errorCode, b.reverts === undefined ? undefined : `reverts ${b.reverts}`, b.kind === 'admin' ? b.summary : undefined].filter((x) => x !== undefined);
  return `${b.id}  ${b.kind.padEnd(9)} ${((b.kind === 'admin' ? b.action : b.tool) ?? '').padEnd(25)} ${b.status.padEnd(7)} ${who}${links.length > 0 ? ` (${links.join('; ')})` : ''}`;
}

async function trailStep(r: StepReporter, target: ApprovalsTarget, id: string, executionAuditId: string): Promise<void> {
  const { owner, approver } = target.people;
  r.step(`Follow ${id} through the audit trail (gatehouse audit tail): records carrying the approval id, or pointing at its execution`);
  const trail = await auditTrail(target);
  const linked = trail.filter((b) => b.approval === id || b.reverts === executionAuditId || b.target === executionAuditId);
  for (const b of linked) r.show(describeRecord(b));
  const story = [
    linked.find((b) => b.kind === 'tool_call' && b.tool === 'crm_update' && b.status === 'held'),
    linked.find((b) => b.action === 'approval_approve' && b.status === 'denied' && b.errorCode === 'APPROVAL_FORBIDDEN' && b.actor.admin === owner.name),
    linked.find((b) => b.action === 'approval_approve' && b.status === 'ok' && b.actor.admin === approver.name && b.summary?.includes('values.category') === true),
    linked.find((b) => b.id === executionAuditId && b.tool === 'crm_update' && b.status === 'ok' && b.actor.approver === approver.name),
    linked.find((b) => b.tool === 'crm_revert' && b.status === 'ok' && b.reverts === executionAuditId && b.actor.admin === approver.name),
  ];
  const inOrder = story.every((b, i) => b !== undefined && (i === 0 || trail.indexOf(b) > trail.indexOf(story[i - 1]!)));
  r.expect(inOrder,
    'Linked, in order: request (held) → refused self-approval → decision (the edited path, never its value) → execution (naming the approver) → revert (reverts the execution)',
    'the trail should link request, decisions, execution and revert in order');
  const values = [REQUESTED, APPROVED].map((v) => `"${v}"`);
  r.expect(linked.length > 0 && !linked.some((b) => values.some((v) => JSON.stringify(b).includes(v))),
    'No argument values in any of them: arguments and results are kept as keyed hashes', 'the trail must not hold argument values');
}

/** Run the approval steps acting for DEMO_USER; the connection is closed before returning. */
export async function runApprovalSteps(target: ApprovalsTarget, r: StepReporter): Promise<void> {
  const asUser = await connect(target.url, target.key, { [USER_ASSERTION_HEADER]: await userAssertion(target.userSigningKey) });
  try {
    const id = await askStep(r, asUser);
    if (id === undefined) return r.expect(false, '', 'the approval steps need the held request: skipped');
    await selfApprovalStep(r, target, id);
    const executionAuditId = await approveStep(r, target, asUser, id);
    await statusStep(r, target, asUser, id);
    if (executionAuditId === undefined) return r.expect(false, '', 'rollback and trail need the execution record: skipped');
    await rollbackStep(r, target, asUser, executionAuditId);
    await trailStep(r, target, id, executionAuditId);
  } finally {
    await asUser.close();
  }
}
