/**
 * Approval gates through the real gateway and the official MCP client: a gated webhook call is
 * held, people decide it under the rules (four eyes, groups, expiry, edits), it executes exactly
 * once with the approved bytes, the kill switch and policy are checked again at execution, and the
 * audit trail links request, decision and execution.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { json, startServer, type TestServer } from '../../src/connectors/http/http-test-server.js';
import type { AdminConfig } from '../../src/config/schema.js';
import type { Gateway } from '../../src/main/gateway.js';
import { gatedConfig } from '../support/approval-fixture.js';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';

import { AUDITOR, LEAD, OUTSIDER, OWNER } from '../support/approval-fixture.js';

const POLICY = `
@id("desk-drafts") permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"draft", resource == Gatehouse::Connector::"desk");
@id("notify-needs-approval") @approval("oncall-leads")
permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"trigger", resource in Gatehouse::Connector::"notify");
`;

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const approvalIdOf = (r: CallToolResult) => String(r._meta?.['gatehouse/approvalId'] ?? '');

async function auditBodies(gateway: Gateway): Promise<Record<string, unknown>[]> {
  await gateway.audit.flush();
  return (await gateway.store.readAudit({ limit: 10_000 })).map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

describe('approval gates', () => {
  let hook: TestServer;
  let f: GatewayFixture;
  let client: Client;
  const page = async (message: string) => client.callTool({ name: 'notify_send', arguments: { message } }) as Promise<CallToolResult>;
  const decide = (id: string, admin: AdminConfig, action: 'approve' | 'reject', more: { edited?: Record<string, unknown>; reason?: string } = {}) =>
    f.gateway.runtime.approvals.decide({ id, admin, action, via: 'test', ...more });

  before(async () => {
    hook = await startServer((_req, res) => json(res, 200, { ok: true }));
    f = await startGatewayFixture({ env: { GH_TEST_HOOK_SECRET: 'hook-secret-for-tests' }, editConfig: gatedConfig(`${hook.origin}/hook`, '  poll_interval: 1h   # the tests run executions themselves\n'), files: { 'policies/gates.cedar': POLICY } });
    client = await f.client();
  });
  after(async () => {
    await f?.close();
    await hook?.close();
  });

  it('holds a gated call, tells the agent, and sends nothing', async () => {
    const before = hook.requests.length;
    const held = await page('db is down');
    assert.ok(!held.isError, textOf(held));
    assert.match(textOf(held), /needs approval by a person \("oncall-leads"\)/);
    const id = approvalIdOf(held);
    assert.match(id, /^apr_/);
    assert.equal(hook.requests.length, before, 'nothing reached the webhook');
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('gatehouse_approval_status') && names.includes('gatehouse_approval_wait'));
    const status = await client.callTool({ name: 'gatehouse_approval_status', arguments: { id } }) as CallToolResult;
    assert.match(textOf(status), /Still waiting/);
    const request = (await auditBodies(f.gateway)).find((b) => b.approval === id && b.kind === 'tool_call' && b.tool === 'notify_send');
    assert.equal(request?.status, 'held');
    assert.deepEqual(request?.policyIds, ['notify-needs-approval']);
  });

  it('refuses the agent owner (four eyes), an approver of another group and an auditor', async () => {
    const id = approvalIdOf(await page('four eyes'));
    await assert.rejects(decide(id, OWNER, 'approve'), { code: 'APPROVAL_FORBIDDEN', message: /owns the agent/ });
    await assert.rejects(decide(id, OUTSIDER, 'approve'), { code: 'APPROVAL_FORBIDDEN', message: /not an approver of "oncall-leads"/ });
    await assert.rejects(decide(id, AUDITOR, 'approve'), { code: 'APPROVAL_FORBIDDEN', message: /auditor/ });
    assert.equal((await f.gateway.runtime.approvals.get(id)).status, 'pending');
    const refusals = (await auditBodies(f.gateway)).filter((b) => b.approval === id && b.action === 'approval_approve');
    assert.equal(refusals.length, 3);
    assert.ok(refusals.every((b) => b.status === 'denied' && b.errorCode === 'APPROVAL_FORBIDDEN'));
  });

  it('executes an approval with edits once, with exactly the approved arguments, and links the trail', async () => {
    const held = await page('restart the primary');
    const id = approvalIdOf(held);
    const approved = await decide(id, LEAD, 'approve', { edited: { message: 'restart the replica' }, reason: 'safer' });
    assert.equal(approved.status, 'approved');
    assert.deepEqual(JSON.parse(approved.edits ?? '[]'), [{ path: 'message', change: 'changed' }]);
    const before = hook.requests.length;
    await f.gateway.runtime.executor.execute(id);
    await f.gateway.runtime.executor.execute(id);
    const row = await f.gateway.runtime.approvals.get(id);
    assert.equal(row.status, 'executed', row.errorCode ?? '');
    assert.equal(hook.requests.length, before + 1, 'executed exactly once');
    assert.equal(hook.requests.at(-1)?.body, '{"text":"restart the replica"}');
    const wait = await client.callTool({ name: 'gatehouse_approval_wait', arguments: { id, timeout_seconds: 1 } }) as CallToolResult;
    assert.match(textOf(wait), /Approved by lead@example.com with edits and executed/);
    const linked = (await auditBodies(f.gateway)).filter((b) => b.approval === id);
    const kinds = linked.map((b) => `${String(b.kind)}:${String(b.status)}`);
    assert.ok(kinds.includes('tool_call:held') && kinds.includes('admin:ok') && kinds.includes('tool_call:ok'), kinds.join(', '));
    const execution = linked.find((b) => b.kind === 'tool_call' && b.status === 'ok' && b.tool === 'notify_send');
    assert.equal((execution?.actor as Record<string, string>).approver, LEAD.name);
    assert.equal(row.executionAuditId !== null && row.decisionAuditId !== null && row.requestAuditId !== null, true);
  });

  it('lets exactly one of many racing approvals win, and two executors run it once', async () => {
    const id = approvalIdOf(await page('race'));
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => decide(id, LEAD, 'approve')));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => (r.reason as { code: string }).code === 'APPROVAL_ALREADY_DECIDED'));
    const replica = await f.replica();
    const before = hook.requests.length;
    await Promise.all([f.gateway.runtime.executor.execute(id), replica.runtime.executor.execute(id), replica.runtime.executor.poll(), f.gateway.runtime.executor.poll()]);
    assert.equal((await f.gateway.runtime.approvals.get(id)).status, 'executed');
    assert.equal(hook.requests.filter((r) => r.body === '{"text":"race"}').length, 1, 'one delivery');
    assert.equal(hook.requests.length, before + 1);
  });

  it('refuses to decide a rejected request again, and the agent learns of the rejection', async () => {
    const id = approvalIdOf(await page('reject me'));
    await decide(id, LEAD, 'reject', { reason: 'not during business hours' });
    await assert.rejects(decide(id, LEAD, 'approve'), { code: 'APPROVAL_ALREADY_DECIDED' });
    const status = await client.callTool({ name: 'gatehouse_approval_status', arguments: { id } }) as CallToolResult;
    assert.match(textOf(status), /Rejected by lead@example.com: not during business hours/);
  });

  it('checks the kill switch again at execution time', async () => {
    const id = approvalIdOf(await page('while paused'));
    await decide(id, LEAD, 'approve');
    await f.gateway.store.setConnectorState({ connector: 'notify', state: 'paused', changedAt: new Date().toISOString(), changedBy: 'test', reason: null });
    try {
      const before = hook.requests.length;
      await f.gateway.runtime.executor.execute(id);
      const row = await f.gateway.runtime.approvals.get(id);
      assert.equal(row.status, 'failed');
      assert.equal(row.errorCode, 'CONNECTOR_PAUSED');
      assert.equal(hook.requests.length, before);
    } finally {
      await f.gateway.store.setConnectorState({ connector: 'notify', state: 'active', changedAt: new Date().toISOString(), changedBy: 'test', reason: null });
    }
  });

  it('stores drafts without sending them; a person edits and sends one, discards another', async () => {
    const before = hook.requests.length;
    const drafted = await client.callTool({ name: 'desk_draftReply', arguments: { body: { ticket: 7, text: 'We refunded you.' } } }) as CallToolResult;
    assert.ok(!drafted.isError, textOf(drafted));
    assert.match(textOf(drafted), /Draft drf_\S+ stored/);
    const id = approvalIdOf(drafted);
    const other = approvalIdOf(await client.callTool({ name: 'desk_draftReply', arguments: { body: { ticket: 8, text: 'Sorry!' } } }) as CallToolResult);
    assert.equal(hook.requests.length, before, 'a draft never reaches the system by itself');
    await assert.rejects(decide(id, LEAD, 'approve'), { code: 'USAGE', message: /is a draft: send or discard it/ });
    await f.gateway.runtime.approvals.decide({ id, admin: LEAD, action: 'send', edited: { body: { ticket: 7, text: 'We refunded you in full.' } }, via: 'test' });
    await f.gateway.runtime.executor.execute(id);
    assert.equal((await f.gateway.runtime.approvals.get(id)).status, 'executed');
    await f.gateway.runtime.approvals.decide({ id: other, admin: LEAD, action: 'discard', reason: 'tone', via: 'test' });
    await f.gateway.runtime.executor.execute(other);
    assert.equal((await f.gateway.runtime.approvals.get(other)).status, 'discarded');
    const sent = hook.requests.slice(before);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.url} ${r.body}`), ['POST /replies {"text":"We refunded you in full.","ticket":7}'], 'the approved arguments, in their canonical (RFC 8785) form');
  });

  it('refuses edits that break the schema, and requests of other agents stay invisible', async () => {
    const id = approvalIdOf(await page('edit me'));
    await assert.rejects(decide(id, LEAD, 'approve', { edited: { message: 'x'.repeat(500) } }), { code: 'APPROVAL_EDIT_INVALID' });
    await assert.rejects(decide(id, LEAD, 'approve', { edited: { message: 'ok', extra: 1 } }), { code: 'APPROVAL_EDIT_INVALID' });
    await assert.rejects(f.gateway.runtime.approvals.forAgent(id, 'another-bot'), { code: 'APPROVAL_NOT_FOUND' });
    const unknown = await client.callTool({ name: 'gatehouse_approval_status', arguments: { id: 'apr_doesnotexist' } }) as CallToolResult;
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /APPROVAL_NOT_FOUND/);
  });
});
