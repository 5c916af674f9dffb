/**
 * The approval routes of the admin API: list, show, and the four decisions. Decisions go through
 * ApprovalService.decide, which applies every rule (role and group, four eyes, expiry, edits checked
 * against the tool schema and policy) and audits the attempt. An approve or send is then executed
 * at once by the gateway's executor (exactly once, whichever replica or poll wins the claim), and
 * the answer carries the request's final state: one API call is approved and executed.
 */
import { FINAL_STATES } from '../approvals/approval-executor.js';
import type { DecisionAction } from '../approvals/approval-service.js';
import { approvalView, listLimit, statusFilter } from '../admin/approval-view.js';
import { GatehouseError } from '../errors/catalog.js';
import type { ApprovalRow } from '../store/approval-repo.js';
import type { AdminCall, AdminRoute } from './admin-api.js';
import { readBody } from './http-io.js';

const ID = /^(apr|drf)_[A-Za-z0-9_-]{1,40}$/;
const MAX_REASON = 500;
/** How long an approve waits for an execution another replica claimed before answering its state. */
const EXECUTION_WAIT_MS = 30_000;
const DECISIONS: readonly DecisionAction[] = ['approve', 'reject', 'send', 'discard'];

export const APPROVAL_ROUTES: readonly AdminRoute[] = [
  { method: 'GET', path: '/admin/v1/approvals', action: 'approval_list', handle: list },
  { method: 'GET', path: '/admin/v1/approvals/{id}', action: 'approval_show', handle: show },
  ...DECISIONS.map((action): AdminRoute => ({
    method: 'POST', path: `/admin/v1/approvals/{id}/${action}`, action: `approval_${action}`, handle: (call) => decide(call, action),
  })),
];

async function list(call: AdminCall): Promise<{ status: number; body: unknown }> {
  for (const key of new Set(call.query.keys())) {
    if (key !== 'status' && key !== 'limit') throw new GatehouseError('ADMIN_REQUEST_INVALID', `Unknown query parameter "${key.slice(0, 40)}"; use status and limit.`);
  }
  const statuses = statusFilter(call.query.getAll('status').join(',') || undefined, 'ADMIN_REQUEST_INVALID');
  const limit = listLimit(call.query.get('limit') ?? undefined, 'ADMIN_REQUEST_INVALID');
  const rows = await call.runtime.approvals.list(statuses, limit);
  await call.audit({ decision: 'allow', status: 'ok', summary: `${rows.length} request(s), status ${statuses.length === 0 ? 'all' : statuses.join(',')}` });
  return { status: 200, body: { approvals: rows.map(approvalView) } };
}

async function show(call: AdminCall): Promise<{ status: number; body: unknown }> {
  const row = await call.runtime.approvals.get(idParam(call));
  await call.audit({ decision: 'allow', status: 'ok', target: row.id, approval: row.id, tool: row.tool, connector: row.connector, summary: row.status });
  return { status: 200, body: { approval: approvalView(row) } };
}

async function decide(call: AdminCall, action: DecisionAction): Promise<{ status: number; body: unknown }> {
  const id = idParam(call);
  const body = await jsonBody(call);
  const allowed = action === 'approve' || action === 'send' ? ['arguments', 'reason'] : ['reason'];
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new GatehouseError('ADMIN_REQUEST_INVALID', `Unknown field "${unknown[0]!.slice(0, 40)}" for ${action}; send ${allowed.join(' and ')}.`);
  }
  const reason = body.reason;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON)) {
    throw new GatehouseError('ADMIN_REQUEST_INVALID', `"reason" must be a string of at most ${MAX_REASON} characters.`);
  }
  if (action === 'reject' && (reason === undefined || reason.trim() === '')) {
    throw new GatehouseError('ADMIN_REQUEST_INVALID', 'A rejection needs a "reason": the agent is told it.');
  }
  const edited = body.arguments;
  if (edited !== undefined && !isPlainObject(edited)) throw new GatehouseError('ADMIN_REQUEST_INVALID', '"arguments" must be a JSON object: the complete arguments to run.');
  call.audited = true;
  let row = await call.runtime.approvals.decide({
    id, admin: call.admin, action, via: call.via,
    ...(edited === undefined ? {} : { edited }), ...(reason === undefined ? {} : { reason }),
  });
  if (row.status === 'approved') row = await executeNow(call, row.id);
  return { status: 200, body: { approval: approvalView(row) } };
}

/**
 * Run an approved request now and return its state. If another replica (or this gateway's poll)
 * claimed it first, wait for that execution to end, up to EXECUTION_WAIT_MS.
 */
async function executeNow(call: AdminCall, id: string): Promise<ApprovalRow> {
  const { approvals, executor } = call.runtime;
  await executor.execute(id);
  const row = await approvals.get(id);
  if (FINAL_STATES.includes(row.status)) return row;
  return (await executor.waitFor(id, EXECUTION_WAIT_MS, call.signal)) ?? row;
}

function idParam(call: AdminCall): string {
  const id = call.params.id ?? '';
  if (!ID.test(id)) throw new GatehouseError('APPROVAL_NOT_FOUND', `No approval or draft "${id.slice(0, 64)}".`);
  return id;
}

/**
 * The JSON object body of a POST. `Content-Type: application/json` is required even for an empty
 * body: a browser cannot send that cross-site without a CORS preflight, which this API never grants.
 */
export async function jsonBody(call: AdminCall): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(call.req.headers['content-type'] ?? '')) {
    throw new GatehouseError('REQUEST_MEDIA_TYPE', 'Admin API requests that change state must be sent with "Content-Type: application/json" (an empty body is allowed).');
  }
  const limit = call.runtime.config.server.max_body_bytes;
  const bytes = await readBody(call.req, limit);
  if (bytes === 'too-large') throw new GatehouseError('REQUEST_TOO_LARGE', `The request body exceeds ${limit} bytes.`);
  const text = bytes.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatehouseError('ADMIN_REQUEST_INVALID', 'The request body is not valid JSON.');
  }
  if (!isPlainObject(value)) throw new GatehouseError('ADMIN_REQUEST_INVALID', 'The request body must be a JSON object.');
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
