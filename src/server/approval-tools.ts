/**
 * The agent's side of approval gates: what a held call answers, the optional wait for a decision
 * (with MCP progress notifications), and two built-in tools every agent has to follow its own
 * requests: `gatehouse_approval_status` and `gatehouse_approval_wait`. An agent sees only the
 * requests it made and can never decide one: deciding is for people (admin API, CLI).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CallToolResult, ServerNotification, Tool } from '@modelcontextprotocol/sdk/types.js';
import { FINAL_STATES } from '../approvals/approval-executor.js';
import { durationMs } from '../config/schema-parts.js';
import { asGatehouseError, GatehouseError } from '../errors/catalog.js';
import { untrustedMeta } from '../guards/untrusted.js';
import type { Runtime } from '../main/runtime.js';
import type { ApprovalRow } from '../store/approval-repo.js';
import type { RequestIdentity } from './mcp-server.js';

export const STATUS_TOOL = 'gatehouse_approval_status';
export const WAIT_TOOL = 'gatehouse_approval_wait';
const ID_SCHEMA = { type: 'string', pattern: '^(apr|drf)_[A-Za-z0-9_-]{1,40}$', description: 'The approval or draft id the gated call returned.' };

export const APPROVAL_TOOLS: readonly Tool[] = [
  {
    name: STATUS_TOOL,
    title: 'Gatehouse: approval status',
    description: 'The state of an action you asked for that awaits a person\'s approval (or a draft you made): pending, approved, rejected, expired, executed or failed, with the outcome once it ran. You cannot approve anything yourself.',
    inputSchema: { type: 'object', properties: { id: ID_SCHEMA }, required: ['id'], additionalProperties: false },
    annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
  },
  {
    name: WAIT_TOOL,
    title: 'Gatehouse: wait for approval',
    description: 'Wait until a person decides an action you asked for, or until the timeout, then report its state and, once executed, its result.',
    inputSchema: {
      type: 'object',
      properties: { id: ID_SCHEMA, timeout_seconds: { type: 'integer', minimum: 1, maximum: 3600, description: 'Longest wait (capped by the gateway).' } },
      required: ['id'], additionalProperties: false,
    },
    annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
  },
];

/** What the MCP handler gives this module to report progress and follow cancellation. */
export interface WaitContext {
  readonly signal: AbortSignal;
  readonly progressToken: string | number | undefined;
  readonly sendNotification: (notification: ServerNotification) => Promise<void>;
}

/** Wait for a decision up to `ms`, sending progress notifications when the client asked for them. */
async function waitForDecision(runtime: Runtime, id: string, ms: number, wait: WaitContext): Promise<ApprovalRow | undefined> {
  const token = wait.progressToken;
  return runtime.executor.waitFor(id, ms, wait.signal, token === undefined ? undefined : (waited) => {
    void wait.sendNotification({
      method: 'notifications/progress',
      params: { progressToken: token, progress: Math.round(waited / 1000), total: Math.round(ms / 1000), message: `waiting for approval of ${id}` },
    }).catch(() => undefined);
  });
}

/** The answer describing a request's state; once executed here, the execution's own result. */
export function describeRequest(runtime: Runtime, row: ApprovalRow): CallToolResult {
  const meta = { 'gatehouse/approvalId': row.id, 'gatehouse/approvalStatus': row.status };
  const structured = {
    approval: {
      id: row.id, kind: row.kind, status: row.status, expires_at: row.expiresAt, decided_by: row.decidedBy ?? undefined,
      decided_at: row.decidedAt ?? undefined, edited: row.edits !== null, result_summary: row.resultSummary ?? undefined, error_code: row.errorCode ?? undefined,
    },
  };
  const local = row.status === 'executed' || row.status === 'failed' ? runtime.executor.localOutcome(row.id) : undefined;
  if (local?.ok === true) {
    return {
      content: [{ type: 'text', text: `Approved by ${row.decidedBy ?? 'a person'}${row.edits === null ? '' : ' with edits'} and executed:\n${local.outcome.result.text}` }],
      structuredContent: { ...structured, result: local.outcome.result.structured },
      _meta: {
        ...meta, 'gatehouse/auditId': local.outcome.auditId,
        ...untrustedMeta(local.outcome.result.untrusted),
      },
    };
  }
  const texts: Record<ApprovalRow['status'], string> = {
    pending: `Still waiting for a person to approve ${row.id} (expires ${row.expiresAt}).`,
    draft: `Draft ${row.id} is waiting for a person to review it.`,
    approved: `Approved by ${row.decidedBy ?? 'a person'}; about to run.`,
    executing: `Approved by ${row.decidedBy ?? 'a person'}; running now.`,
    executed: `Approved by ${row.decidedBy ?? 'a person'}${row.edits === null ? '' : ' with edits'} and executed: ${row.resultSummary ?? 'done'}.`,
    failed: `Approved, but executing it failed with ${row.errorCode ?? 'an error'}; it was not retried.`,
    rejected: `Rejected by ${row.decidedBy ?? 'a person'}${row.decisionReason ? `: ${row.decisionReason}` : ''}. Do not retry it unchanged.`,
    expired: `Expired at ${row.expiresAt} without a decision; ask again if it is still needed.`,
    discarded: `Draft discarded by ${row.decidedBy ?? 'a person'}${row.decisionReason ? `: ${row.decisionReason}` : ''}.`,
  };
  return { content: [{ type: 'text', text: texts[row.status] }], structuredContent: structured, isError: row.status === 'failed', _meta: meta };
}

/** The answer to a held call: at once, or after waiting up to approvals.wait for a decision. */
export async function answerHeld(runtime: Runtime, held: ApprovalRow, heldResult: CallToolResult, wait: WaitContext): Promise<CallToolResult> {
  const ms = held.kind === 'draft' ? 0 : durationMs(runtime.config.approvals.wait);
  if (ms <= 0) return heldResult;
  const row = await waitForDecision(runtime, held.id, ms, wait);
  return row !== undefined && FINAL_STATES.includes(row.status) ? describeRequest(runtime, row) : heldResult;
}

/** Run one of the built-in approval tools for the agent, audited like any call. */
export async function callApprovalTool(runtime: Runtime, identity: RequestIdentity, name: string, args: Record<string, unknown>, wait: WaitContext): Promise<CallToolResult> {
  const started = performance.now();
  const id = typeof args.id === 'string' ? args.id.slice(0, 64) : '';
  let result: CallToolResult;
  let errorCode: string | undefined;
  try {
    if (!/^(apr|drf)_[A-Za-z0-9_-]{1,40}$/.test(id)) throw new GatehouseError('ARGUMENTS_INVALID', 'Pass the approval id the gated call returned, e.g. "apr_…".');
    const timeout = args.timeout_seconds;
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 3600)) {
      throw new GatehouseError('ARGUMENTS_INVALID', 'timeout_seconds must be a whole number from 1 to 3600.');
    }
    let row = await runtime.approvals.forAgent(id, identity.caller.agent.name);
    if (name === WAIT_TOOL && !FINAL_STATES.includes(row.status)) {
      const max = durationMs(runtime.config.approvals.max_wait);
      row = (await waitForDecision(runtime, id, Math.min(max, (timeout ?? max / 1000) * 1000), wait)) ?? row;
    }
    result = describeRequest(runtime, row);
  } catch (err) {
    const error = asGatehouseError(err);
    errorCode = error.code;
    result = { isError: true, content: [{ type: 'text', text: `${error.code}: ${error.message}` }], _meta: { 'gatehouse/errorCode': error.code } };
  }
  const auditId = await runtime.audit.record({
    kind: 'tool_call', requestId: `req_${randomBytes(9).toString('base64url')}`,
    actor: { agent: identity.caller.agent.name, keyId: identity.caller.keyId, ...(identity.caller.user ? { user: identity.caller.user.id } : {}) },
    action: 'read', tool: name, target: id, decision: errorCode === undefined ? 'allow' : 'error', policyIds: [],
    status: errorCode === undefined ? 'ok' : 'error', ...(errorCode === undefined ? {} : { errorCode }),
    summary: errorCode ?? `approval ${String(result._meta?.['gatehouse/approvalStatus'] ?? '')}`,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    ...(identity.client === undefined ? {} : { client: identity.client }), ...(errorCode === undefined ? { approval: id } : {}),
  });
  return { ...result, _meta: { ...result._meta, 'gatehouse/auditId': auditId } };
}
