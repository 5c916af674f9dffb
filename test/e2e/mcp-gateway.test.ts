/**
 * End to end: the official MCP client over HTTP → gateway → files connector → store, on the store
 * kind under test. Attacks are tried for real and must fail; every request must be audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createAgentKey, revokeAgent } from '../../src/identity/agent-admin.js';
import { loadConfig } from '../../src/config/load.js';
import { rawPost, startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';

const INIT = JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

async function auditBodies(f: GatewayFixture): Promise<Record<string, unknown>[]> {
  await f.gateway.audit.flush();
  const rows = await f.gateway.store.readAudit({ limit: 10_000 });
  return rows.map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

describe('MCP gateway over Streamable HTTP', () => {
  let f: GatewayFixture;
  before(async () => {
    f = await startGatewayFixture();
  });
  after(async () => {
    await f.close();
  });

  it('lists only the handbook tools, each stating its power and source', async () => {
    const client = await f.client();
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['handbook_read', 'handbook_search']);
    for (const tool of tools) {
      assert.match(tool.name, /^[a-zA-Z0-9_-]{1,64}$/);
      assert.match(tool.description ?? '', /\[(search|read)\]/);
      assert.match(tool.description ?? '', /files connector "handbook"/);
    }
  });

  it('searches, never returning restricted documents or their snippets', async () => {
    const client = await f.client();
    const result = await client.callTool({ name: 'handbook_search', arguments: { query: 'vacation' } }) as CallToolResult;
    assert.equal(result.isError, undefined);
    const all = JSON.stringify(result);
    assert.match(all, /time-off\.md/);
    assert.doesNotMatch(all, /hr\//);
    assert.doesNotMatch(all, /Salary bands|Calibration/);
  });

  it('reads a document with provenance', async () => {
    const client = await f.client();
    const result = await client.callTool({ name: 'handbook_read', arguments: { path: 'time-off.md' } }) as CallToolResult;
    assert.equal(result.isError, undefined);
    assert.match(text(result), /25 vacation days/);
    const structured = JSON.stringify(result.structuredContent);
    assert.match(structured, /"version":"[0-9a-f]{64}"/);
    assert.match(structured, /indexedAt/);
  });

  it('denies a restricted read, naming the deciding policy', async () => {
    const client = await f.client();
    const result = await client.callTool({ name: 'handbook_read', arguments: { path: 'hr/salaries.md' } }) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match(text(result), /POLICY_DENIED/);
    assert.match(text(result), /restricted-needs-hr/);
    assert.doesNotMatch(JSON.stringify(result), /68,000/);
  });

  it('refuses path traversal in every form', async () => {
    const client = await f.client();
    for (const path of ['../../etc/passwd', '/etc/passwd', 'hr/../../gatehouse.yaml', 'a\u0000b', '..\\gatehouse.yaml']) {
      const result = await client.callTool({ name: 'handbook_read', arguments: { path } }) as CallToolResult;
      assert.equal(result.isError, true, path);
      assert.match(text(result), /PATH_OUTSIDE_ROOT|DOCUMENT_NOT_FOUND/, path);
      assert.doesNotMatch(JSON.stringify(result), /root:x:0|connectors:/, path);
    }
  });

  it('rejects unknown tools as a JSON-RPC error and bad arguments as a tool error', async () => {
    const client = await f.client();
    await assert.rejects(client.callTool({ name: 'handbook_delete', arguments: {} }), (err: unknown) => {
      assert.ok(err instanceof McpError);
      assert.equal(err.code, -32602);
      assert.match(err.message, /TOOL_UNKNOWN/);
      return true;
    });
    const bad = await client.callTool({ name: 'handbook_search', arguments: { query: 42, extra: true } }) as CallToolResult;
    assert.equal(bad.isError, true);
    assert.match(text(bad), /ARGUMENTS_INVALID/);
  });

  it('answers missing, wrong, revoked and expired keys with 401 and WWW-Authenticate', async () => {
    const config = loadConfig(f.configFile);
    const expired = await createAgentKey(f.gateway.store, config, 'support-bot', { expires: '1s', now: new Date(Date.now() - 5_000) });
    const cases: [string, Record<string, string>, string][] = [
      ['missing', {}, 'AUTH_MISSING'],
      ['wrong', { Authorization: 'Bearer ghk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 'AUTH_INVALID'],
      ['not a key', { Authorization: 'Bearer hunter2' }, 'AUTH_INVALID'],
      ['expired', { Authorization: `Bearer ${expired.key}` }, 'AUTH_EXPIRED'],
    ];
    for (const [name, headers, code] of cases) {
      const response = await rawPost(f.url, INIT, headers);
      assert.equal(response.status, 401, name);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="gatehouse"/, name);
      assert.match(JSON.stringify(response.json), new RegExp(code), name);
    }
    const bodies = await auditBodies(f);
    const failures = bodies.filter((b) => b.kind === 'auth_failure').map((b) => b.errorCode);
    for (const [, , code] of cases) assert.ok(failures.includes(code), `audited ${code}`);
  });

  it('refuses malformed, oversize and wrongly typed requests without crashing, and audits them', async () => {
    const auth = { Authorization: `Bearer ${f.key}` };
    assert.equal((await rawPost(f.url, '{"jsonrpc":', auth)).status, 400);
    assert.equal((await rawPost(f.url, '{"hello":"world"}', auth)).status, 400);
    assert.equal((await rawPost(f.url, '[]', auth)).status, 400);
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    assert.equal((await rawPost(f.url, huge, auth)).status, 413);
    assert.equal((await rawPost(f.url, INIT, { ...auth, 'Content-Type': 'text/plain' })).status, 415);
    assert.equal((await rawPost(f.url, INIT, { ...auth, Accept: 'text/html' })).status, 406);
    const get = await fetch(f.url, { headers: auth });
    assert.equal(get.status, 405);
    // Still serving afterwards.
    const client = await f.client();
    assert.equal((await client.listTools()).tools.length, 2);
    const codes = (await auditBodies(f)).filter((b) => b.kind === 'protocol_error').map((b) => b.errorCode);
    for (const code of ['REQUEST_PARSE_ERROR', 'REQUEST_MALFORMED', 'REQUEST_TOO_LARGE', 'REQUEST_MEDIA_TYPE', 'REQUEST_NOT_ACCEPTABLE', 'METHOD_NOT_ALLOWED']) {
      assert.ok(codes.includes(code), `audited ${code}`);
    }
  });

  it('pauses and resumes a connector on the very next call', async () => {
    const client = await f.client();
    await f.gateway.store.setConnectorState({ connector: 'handbook', state: 'paused', changedAt: new Date().toISOString(), changedBy: 'test', reason: null });
    const paused = await client.callTool({ name: 'handbook_read', arguments: { path: 'welcome.md' } }) as CallToolResult;
    assert.equal(paused.isError, true);
    assert.match(text(paused), /CONNECTOR_PAUSED/);
    assert.equal((await client.listTools()).tools.length, 0);
    await f.gateway.store.setConnectorState({ connector: 'handbook', state: 'active', changedAt: new Date().toISOString(), changedBy: 'test', reason: null });
    const resumed = await client.callTool({ name: 'handbook_read', arguments: { path: 'welcome.md' } }) as CallToolResult;
    assert.equal(resumed.isError, undefined);
  });

  it('serves one client from two replicas alternately (no sticky sessions)', async () => {
    const replica = await f.replica();
    const urls = [f.url, replica.url];
    let turn = 0;
    const seen = new Set<string>();
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const client = new Client({ name: 'round-robin', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(f.url), {
      requestInit: { headers: { Authorization: `Bearer ${f.key}` } },
      fetch: (input, init) => {
        const target = urls[turn++ % urls.length]!;
        seen.add(target);
        return fetch(new URL(target), init);
      },
    }));
    for (let i = 0; i < 4; i++) {
      const result = await client.callTool({ name: 'handbook_search', arguments: { query: 'expenses receipts' } }) as CallToolResult;
      assert.equal(result.isError, undefined);
    }
    assert.equal(seen.size, 2);
    await client.close();
  });

  it('audits every tool call with decision, policy ids and hashed arguments, never content', async () => {
    const client = await f.client();
    await client.callTool({ name: 'handbook_search', arguments: { query: 'zebra-marker-term' } });
    const calls = (await auditBodies(f)).filter((b) => b.kind === 'tool_call');
    assert.ok(calls.some((b) => b.decision === 'allow' && Array.isArray(b.policyIds) && (b.policyIds as string[]).includes('handbook-staff-access')));
    assert.ok(calls.some((b) => b.decision === 'deny' && (b.policyIds as string[]).includes('restricted-needs-hr')));
    assert.ok((await auditBodies(f)).some((b) => b.kind === 'mcp_request' && b.action === 'initialize' && b.status === 'ok'), 'initialize is audited');
    const rows = await f.gateway.store.readAudit({ limit: 10_000 });
    assert.ok(rows.every((r) => !r.body.includes('zebra-marker-term')), 'search terms are hashed, not stored');
    assert.ok(rows.every((r) => !r.body.includes(f.key)), 'keys never reach the audit trail');
  });

  it('answers concurrent requests that reuse the same JSON-RPC id each with its own result', async () => {
    const docs = ['welcome.md', 'time-off.md', 'expenses.md', 'it/security.md'];
    const marker = { 'welcome.md': 'Welcome to Example Corp', 'time-off.md': '25 vacation days', 'expenses.md': 'Submit receipts', 'it/security.md': 'Lock your screen' } as Record<string, string>;
    const calls = Array.from({ length: 16 }, (_, i) => docs[i % docs.length]!);
    const responses = await Promise.all(calls.map((path) => rawPost(f.url,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'handbook_read', arguments: { path } } }),
      { Authorization: `Bearer ${f.key}`, 'MCP-Protocol-Version': '2025-06-18' })));
    responses.forEach((response, i) => {
      assert.equal(response.status, 200);
      const body = response.json as { id: number; result: CallToolResult };
      assert.equal(body.id, 1);
      assert.match(JSON.stringify(body.result.content), new RegExp(marker[calls[i]!]!));
    });
  });

  it('publishes connector health to the store for `connector list`', async () => {
    let rows = await f.gateway.store.listConnectorHealth();
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await f.gateway.store.listConnectorHealth();
    }
    const handbook = rows.find((r) => r.connector === 'handbook');
    assert.equal(handbook?.status, 'ok');
    assert.match(handbook?.replica ?? '', /:\d+$/);
  });

  it('refuses a revoked agent on the very next call', async () => {
    const client = await f.client();
    assert.equal((await client.listTools()).tools.length, 2);
    await revokeAgent(f.gateway.store, 'support-bot');
    await assert.rejects(client.listTools(), /401|AUTH_REVOKED/);
    const response = await rawPost(f.url, INIT, { Authorization: `Bearer ${f.key}` });
    assert.equal(response.status, 401);
    assert.match(JSON.stringify(response.json), /AUTH_REVOKED/);
  });
});
