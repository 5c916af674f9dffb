/**
 * The agent waits on a gated call: it blocks (with MCP progress notifications) until a person
 * approves, then gets the executed result in the same answer. Approvers are told of the request by
 * a Slack-compatible webhook that carries the id and a summary, never the arguments.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { json, startServer, type TestServer } from '../../src/connectors/http/http-test-server.js';
import { gatedConfig, LEAD } from '../support/approval-fixture.js';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';

const POLICY = `@id("gate") @approval("oncall-leads")
permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"trigger", resource in Gatehouse::Connector::"notify");`;
const SECRET_WORDS = 'the vault code is 1234';

describe('waiting for an approval', () => {
  let hook: TestServer;
  let f: GatewayFixture;

  before(async () => {
    hook = await startServer((_req, res) => json(res, 200, { ok: true }));
    f = await startGatewayFixture({
      env: { GH_TEST_HOOK_SECRET: 'hook-secret-for-tests' },
      editConfig: gatedConfig(`${hook.origin}/hook`, `  wait: 20s\n  poll_interval: 1h\n  notify_url: ${hook.origin}/notify\n  notify_allow_private_network: true\n`),
      files: { 'policies/gates.cedar': POLICY },
    });
  });
  after(async () => {
    await f?.close();
    await hook?.close();
  });

  it('blocks with progress until approved, then answers with the executed result', async () => {
    const client = await f.client();
    const progress: number[] = [];
    const answer = client.callTool({ name: 'notify_send', arguments: { message: SECRET_WORDS } }, undefined, {
      onprogress: (p) => progress.push(p.progress), timeout: 60_000,
    }) as Promise<CallToolResult>;
    const deadline = Date.now() + 20_000;
    let pending = await f.gateway.runtime.approvals.list(['pending']);
    while (pending.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      pending = await f.gateway.runtime.approvals.list(['pending']);
    }
    assert.equal(pending.length, 1, 'the call is held while the agent waits');
    const id = pending[0]!.id;
    await new Promise((r) => setTimeout(r, 1200));
    await f.gateway.runtime.approvals.decide({ id, admin: LEAD, action: 'approve', via: 'test' });
    await f.gateway.runtime.executor.execute(id);
    const result = await answer;
    assert.ok(!result.isError, JSON.stringify(result.content));
    assert.match(result.content.map((c) => (c.type === 'text' ? c.text : '')).join(''), /Approved by lead@example.com and executed/);
    assert.ok(progress.length >= 1, 'progress notifications while waiting');
    assert.equal(hook.requests.filter((r) => r.url === '/hook').length, 1, 'executed once');

    const notice = hook.requests.find((r) => r.url === '/notify');
    assert.ok(notice, 'approvers were notified');
    const message = JSON.parse(notice.body) as { text: string };
    assert.match(message.text, new RegExp(`Approval needed \\(oncall-leads\\).*${id}`));
    assert.ok(!notice.body.includes(SECRET_WORDS), 'the notification never carries the arguments');
  });
});
