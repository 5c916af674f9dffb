/**
 * The admin API over real HTTP on a real gateway: a gated read is held for the group "leads",
 * people list, read and decide it under every rule (four eyes, groups, auditors), an approve runs the
 * action at once and exactly once even when eight approvals race, and every request is audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { issueAdminToken, setAdminPassword } from '../../src/admin/admin-accounts.js';
import { generateAdminToken } from '../../src/admin/admin-tokens.js';
import type { Logger } from '../../src/ops/logger.js';
import { ADMIN_ROUTES } from '../../src/server/admin-api.js';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';
import { ADMINS_YAML, GATED_POLICY } from '../support/gated-workspace.js';

const PASSWORD = 'lead password for tests';
const MARKER = `marker-${Date.now().toString(36)}`;

interface Answer { status: number; headers: Headers; json: Record<string, any> }

describe('admin API', () => {
  let f: GatewayFixture;
  let client: Client;
  const tokens: Record<string, string> = {};
  const logs: string[] = [];
  const log: Logger = {
    debug: (m, x) => logs.push(JSON.stringify([m, x])), info: (m, x) => logs.push(JSON.stringify([m, x])),
    warn: (m, x) => logs.push(JSON.stringify([m, x])), error: (m, x) => logs.push(JSON.stringify([m, x])),
  };
  const base = () => f.url.replace(/\/mcp$/, '');
  const api = async (method: string, path: string, options: { as?: string; auth?: string; body?: unknown; raw?: string; type?: string } = {}): Promise<Answer> => {
    const headers: Record<string, string> = {};
    const auth = options.auth ?? (options.as === undefined ? undefined : `Bearer ${tokens[options.as]}`);
    if (auth !== undefined) headers.Authorization = auth;
    if (method === 'POST') headers['Content-Type'] = options.type ?? 'application/json';
    const response = await fetch(`${base()}${path}`, {
      method, headers, ...(method === 'POST' ? { body: options.raw ?? JSON.stringify(options.body ?? {}) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text === '' ? {} : JSON.parse(text) as Record<string, any> };
  };
  const hold = async (path: string): Promise<string> => {
    const held = await client.callTool({ name: 'handbook_read', arguments: { path } }) as CallToolResult;
    const id = String(held._meta?.['gatehouse/approvalId'] ?? '');
    assert.match(id, /^apr_/, JSON.stringify(held.content));
    return id;
  };
  const auditBodies = async () => {
    await f.gateway.audit.flush();
    return (await f.gateway.store.readAudit({ limit: 10_000 })).map((r) => JSON.parse(r.body) as Record<string, any>);
  };

  before(async () => {
    f = await startGatewayFixture({
      log,
      editConfig: (yaml) => `${yaml}${ADMINS_YAML}`,
      files: { 'policies/handbook.cedar': GATED_POLICY },
      beforeStart: async (store, config) => {
        for (const name of ['lead@example.com', 'support-lead@example.com', 'finance@example.com', 'auditor@example.com']) {
          tokens[name] = (await issueAdminToken(store, config, name)).token;
        }
        await setAdminPassword(store, config, 'lead@example.com', PASSWORD);
      },
    });
    client = await f.client();
  });
  after(async () => {
    await f?.close();
  });

  it('serves its OpenAPI 3.1 document without credentials, and the document lists exactly the served routes', async () => {
    const doc = await api('GET', '/admin/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.json.openapi, '3.1.0');
    const documented = Object.entries(doc.json.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    assert.deepEqual(documented, ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of ADMIN_ROUTES) {
      const answer = await api(route.method, route.path.replace('{id}', 'apr_doesnotexist'), { as: 'lead@example.com' });
      assert.ok(![404, 405].includes(answer.status) || answer.json.error?.code === 'APPROVAL_NOT_FOUND', `${route.method} ${route.path}: ${answer.status}`);
    }
    const unknown = await api('GET', '/admin/v1/nothing', { as: 'lead@example.com' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'ADMIN_ROUTE_NOT_FOUND');
    const wrongMethod = await api('DELETE', '/admin/v1/approvals', { as: 'lead@example.com' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'GET');
  });

  it('refuses missing, forged and agent credentials with 401 ADMIN_AUTH_INVALID, and audits each', async () => {
    const forged = generateAdminToken().token;
    const tampered = `${tokens['lead@example.com']!.slice(0, 17)}${'x'.repeat(43)}`;
    for (const auth of [undefined, `Bearer ${forged}`, `Bearer ${tampered}`, `Bearer ${f.key}`, `Basic ${Buffer.from(`lead@example.com:wrong password!`).toString('base64')}`]) {
      const answer = await api('GET', '/admin/v1/approvals', auth === undefined ? {} : { auth });
      assert.equal(answer.status, 401, auth);
      assert.equal(answer.json.error.code, 'ADMIN_AUTH_INVALID');
      assert.match(answer.headers.get('www-authenticate') ?? '', /Bearer realm="gatehouse-admin", Basic/);
      assert.ok(!('approvals' in answer.json));
    }
    const failures = (await auditBodies()).filter((b) => b.kind === 'auth_failure' && b.action === 'approval_list' && b.errorCode === 'ADMIN_AUTH_INVALID');
    assert.deepEqual(failures.map((b) => b.summary), ['missing', 'unknown-token', 'wrong-secret', 'agent-key', 'wrong-password']);
    const basic = await api('GET', '/admin/v1/approvals', { auth: `Basic ${Buffer.from(`lead@example.com:${PASSWORD}`).toString('base64')}` });
    assert.equal(basic.status, 200);
  });

  it('lists and shows a held request with its arguments to any declared person, and audits the reads', async () => {
    const id = await hold('welcome.md');
    const listed = await api('GET', '/admin/v1/approvals?status=pending&limit=50', { as: 'auditor@example.com' });
    assert.equal(listed.status, 200);
    assert.ok((listed.json.approvals as { id: string }[]).some((a) => a.id === id));
    const shown = await api('GET', `/admin/v1/approvals/${id}`, { as: 'auditor@example.com' });
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.json.approval.arguments, { path: 'welcome.md' });
    assert.deepEqual([shown.json.approval.status, shown.json.approval.approver_groups, shown.json.approval.agent_owner], ['pending', ['leads'], 'support-lead@example.com']);
    assert.equal((await api('GET', '/admin/v1/approvals?status=bogus', { as: 'auditor@example.com' })).json.error.code, 'ADMIN_REQUEST_INVALID');
    const reads = (await auditBodies()).filter((b) => b.kind === 'admin' && b.approval === id && b.action === 'approval_show');
    assert.equal(reads.length, 1);
    assert.equal(reads[0]?.actor.admin, 'auditor@example.com');
  });

  it('refuses the agent owner (four eyes), an approver outside the group and an auditor', async () => {
    const id = await hold('time-off.md');
    const cases: [string, RegExp][] = [['support-lead@example.com', /owns the agent/], ['finance@example.com', /not an approver of "leads"/], ['auditor@example.com', /auditor/]];
    for (const [who, why] of cases) {
      const answer = await api('POST', `/admin/v1/approvals/${id}/approve`, { as: who });
      assert.equal(answer.status, 403, who);
      assert.equal(answer.json.error.code, 'APPROVAL_FORBIDDEN');
      assert.match(answer.json.error.message, why);
    }
    assert.equal((await api('GET', `/admin/v1/approvals/${id}`, { as: 'lead@example.com' })).json.approval.status, 'pending');
    const refusals = (await auditBodies()).filter((b) => b.approval === id && b.action === 'approval_approve');
    assert.deepEqual(refusals.map((b) => [b.actor.admin, b.status, b.errorCode]), cases.map(([who]) => [who, 'denied', 'APPROVAL_FORBIDDEN']));
  });

  it('approves with edits in one call: the edited action runs at once, and the edit paths are recorded', async () => {
    const id = await hold('welcome.md');
    const outside = await api('POST', `/admin/v1/approvals/${id}/approve`, { as: 'lead@example.com', body: { arguments: { path: 'hr/salaries.md' } } });
    assert.equal(outside.status, 400);
    assert.equal(outside.json.error.code, 'APPROVAL_EDIT_INVALID');
    const answer = await api('POST', `/admin/v1/approvals/${id}/approve`, { as: 'lead@example.com', body: { arguments: { path: 'expenses.md' }, reason: 'the expenses page answers it' } });
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    const approval = answer.json.approval;
    assert.equal(approval.status, 'executed', approval.error_code);
    assert.deepEqual(approval.edits, [{ path: 'path', change: 'changed' }]);
    assert.deepEqual(approval.approved_arguments, { path: 'expenses.md' });
    assert.equal(approval.decided_by, 'lead@example.com');
    assert.ok(approval.request_audit_id && approval.decision_audit_id && approval.execution_audit_id);
    const decision = (await auditBodies()).find((b) => b.id === approval.decision_audit_id);
    assert.match(String(decision?.summary), /approve with edits to path/);
    const status = await client.callTool({ name: 'gatehouse_approval_status', arguments: { id } }) as CallToolResult;
    assert.match(JSON.stringify(status.content), /with edits and executed/);
  });

  it('lets exactly one of 8 concurrent approvals win, and the action runs once', async () => {
    const id = await hold('it/security.md');
    const answers = await Promise.all(Array.from({ length: 8 }, () => api('POST', `/admin/v1/approvals/${id}/approve`, { as: 'lead@example.com' })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409, 409, 409, 409, 409, 409, 409]);
    assert.ok(answers.filter((a) => a.status === 409).every((a) => a.json.error.code === 'APPROVAL_ALREADY_DECIDED'));
    assert.equal(answers.find((a) => a.status === 200)?.json.approval.status, 'executed');
    await f.gateway.runtime.executor.poll();
    const runs = (await auditBodies()).filter((b) => b.approval === id && b.kind === 'tool_call' && b.tool === 'handbook_read' && b.status === 'ok');
    assert.equal(runs.length, 1, 'executed exactly once');
  });

  it('refuses an approval after a rejection, and checks bodies: reason, media type, size, JSON, fields', async () => {
    const id = await hold('welcome.md');
    const path = `/admin/v1/approvals/${id}`;
    assert.equal((await api('POST', `${path}/reject`, { as: 'lead@example.com' })).json.error.code, 'ADMIN_REQUEST_INVALID');
    assert.equal((await api('POST', `${path}/approve`, { as: 'lead@example.com', raw: '{"reason":"x"}', type: 'text/plain' })).status, 415);
    assert.equal((await api('POST', `${path}/approve`, { as: 'lead@example.com', raw: `{"reason":"${'x'.repeat(1_100_000)}"}` })).status, 413);
    assert.equal((await api('POST', `${path}/approve`, { as: 'lead@example.com', raw: '{"reason":' })).json.error.code, 'ADMIN_REQUEST_INVALID');
    assert.equal((await api('POST', `${path}/approve`, { as: 'lead@example.com', body: { argumentz: {} } })).json.error.code, 'ADMIN_REQUEST_INVALID');
    const edit = await api('POST', `${path}/approve`, { as: 'lead@example.com', body: { arguments: { path: 'welcome.md', note: MARKER } } });
    assert.equal(edit.json.error.code, 'APPROVAL_EDIT_INVALID');
    assert.doesNotMatch(edit.json.error.message, new RegExp(MARKER));
    const rejected = await api('POST', `${path}/reject`, { as: 'lead@example.com', body: { reason: 'not needed' } });
    assert.deepEqual([rejected.status, rejected.json.approval.status, rejected.json.approval.decision_reason], [200, 'rejected', 'not needed']);
    const again = await api('POST', `${path}/approve`, { as: 'lead@example.com' });
    assert.deepEqual([again.status, again.json.error.code], [409, 'APPROVAL_ALREADY_DECIDED']);
    const refused = (await auditBodies()).filter((b) => b.approval === id || b.target === id);
    assert.ok(refused.some((b) => b.action === 'approval_approve' && b.errorCode === 'REQUEST_MEDIA_TYPE'), 'refused bodies are audited');
  });

  it('keeps argument values out of the logs and the audit trail', async () => {
    await f.gateway.audit.flush();
    assert.ok(!logs.some((l) => l.includes(MARKER)));
    const rows = await f.gateway.store.readAudit({ limit: 10_000 });
    assert.ok(!rows.some((r) => r.body.includes(MARKER)));
  });
});
