/**
 * stdio mode with the official MCP client spawning the real binary, as a desktop client would.
 * The key is checked on every request: a revocation stops the next call.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { revokeAgent } from '../../src/identity/agent-admin.js';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));

describe('gatehouse stdio', () => {
  let f: GatewayFixture;
  let client: Client;
  before(async () => {
    f = await startGatewayFixture();
    client = new Client({ name: 'stdio-test', version: '1' });
    await client.connect(new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'stdio', '--config', f.configFile],
      env: { ...process.env as Record<string, string>, GATEHOUSE_AGENT_KEY: f.key, GATEHOUSE_LOG_LEVEL: 'error' },
      stderr: 'ignore',
    }));
  });
  after(async () => {
    await client.close();
    await f.close();
  });

  it('lists and calls tools', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['handbook_read', 'handbook_search']);
    const result = await client.callTool({ name: 'handbook_read', arguments: { path: 'expenses.md' } }) as CallToolResult;
    assert.equal(result.isError, undefined);
    assert.match(JSON.stringify(result.content), /Submit receipts/);
    const bodies = (await f.gateway.store.readAudit({ limit: 1000 })).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    assert.ok(bodies.some((b) => b.kind === 'mcp_request' && b.action === 'initialize' && b.client === 'stdio'), 'initialize is audited');
    assert.ok(bodies.some((b) => b.kind === 'tool_call' && b.client === 'stdio' && b.status === 'ok'), 'the call is audited');
  });

  it('refuses the next request after the agent is revoked', async () => {
    await revokeAgent(f.gateway.store, 'support-bot');
    await assert.rejects(client.listTools(), /AUTH_REVOKED/);
  });
});
