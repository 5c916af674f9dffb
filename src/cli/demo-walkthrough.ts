/**
 * The scripted demo: the official MCP client talks to the running gateway, step by step, and each
 * step prints what was asked and what Gatehouse decided. Returns false if any step misbehaved.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { revokeAgent } from '../identity/agent-admin.js';
import type { Gateway } from '../main/gateway.js';
import { verifyStore } from '../audit/verifier.js';
import type { Io } from './io.js';
import { DEMO_AGENT } from './scaffold.js';

export interface WalkthroughTarget {
  readonly url: string;
  readonly key: string;
  readonly configFile: string;
  readonly gateway: Gateway;
}

async function connect(url: string, key: string): Promise<Client> {
  const client = new Client({ name: 'gatehouse-walkthrough', version: '0.1.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  return client;
}

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
}

function indent(text: string, width = 6): string {
  return text.split('\n').map((l) => `${' '.repeat(width)}${l}`).join('\n');
}

export async function runWalkthrough(target: WalkthroughTarget, io: Io): Promise<boolean> {
  let ok = true;
  let n = 0;
  const step = (title: string) => io.out(`\n${++n}. ${title}\n`);
  const expect = (condition: boolean, good: string, bad: string) => {
    io.out(`   ${condition ? '✓' : '✗'} ${condition ? good : bad}\n`);
    if (!condition) ok = false;
  };

  io.out(`Gatehouse walkthrough against ${target.url} (agent ${DEMO_AGENT})\n`);
  const client = await connect(target.url, target.key);
  try {
    step('List tools (tools/list shows only what policy lets this agent call)');
    const { tools } = await client.listTools();
    for (const t of tools) io.out(`      ${t.name}: ${t.description ?? ''}\n`);
    expect(tools.some((t) => t.name === 'handbook_search') && tools.some((t) => t.name === 'handbook_read'),
      'handbook_search and handbook_read are offered', 'expected handbook_search and handbook_read');

    step('Search the handbook for "vacation"');
    const search = await client.callTool({ name: 'handbook_search', arguments: { query: 'vacation days' } }) as CallToolResult;
    io.out(`${indent(textOf(search))}\n`);
    const found = JSON.stringify(search.structuredContent ?? {});
    expect(!search.isError && found.includes('time-off.md') && !found.includes('hr/'),
      'Allowed; the restricted hr/ documents that also mention vacation are filtered out, snippets included',
      'search should succeed without any hr/ document');

    step('Read time-off.md');
    const read = await client.callTool({ name: 'handbook_read', arguments: { path: 'time-off.md' } }) as CallToolResult;
    io.out(`${indent(textOf(read).split('\n').slice(0, 4).join('\n'))}\n      …\n`);
    expect(!read.isError, 'Allowed, with source, version and index time attached', 'the read should succeed');

    step('Read hr/salaries.md (restricted)');
    const denied = await client.callTool({ name: 'handbook_read', arguments: { path: 'hr/salaries.md' } }) as CallToolResult;
    io.out(`${indent(textOf(denied))}\n`);
    expect(denied.isError === true && textOf(denied).includes('restricted-needs-hr'),
      'Denied, naming the policy that decided', 'the restricted read should be denied by restricted-needs-hr');

    step('Try to escape the folder: ../../etc/passwd');
    const escape = await client.callTool({ name: 'handbook_read', arguments: { path: '../../etc/passwd' } }) as CallToolResult;
    io.out(`${indent(textOf(escape))}\n`);
    expect(escape.isError === true && textOf(escape).includes('PATH_OUTSIDE_ROOT'), 'Refused', 'path traversal must be refused');
  } finally {
    await client.close();
  }

  step(`Revoke the agent (gatehouse agent revoke ${DEMO_AGENT}) and call again with the same key`);
  await revokeAgent(target.gateway.store, DEMO_AGENT, { reason: 'walkthrough' });
  let refused = '';
  try {
    const again = await connect(target.url, target.key);
    await again.listTools();
    await again.close();
  } catch (err) {
    refused = err instanceof Error ? err.message : String(err);
  }
  io.out(`${indent(refused || 'no error')}\n`);
  expect(refused.includes('401') || refused.includes('AUTH_REVOKED'), 'Refused with HTTP 401 on the very next call', 'the revoked key must be refused');

  step('Verify the audit trail (gatehouse audit verify)');
  await target.gateway.checkpoint();
  const report = await verifyStore(target.gateway.store);
  io.out(`      ${report.ok ? 'chain intact' : 'TAMPERING FOUND'}: ${report.recordsChecked} records, ${report.checkpointsChecked} checkpoints\n`);
  expect(report.ok && report.checkpointsChecked > 0, 'Every request above is in the hash chain, under a signed checkpoint, and it verifies',
    'audit verification failed');

  io.out(`\n${ok ? 'Walkthrough complete: every step behaved as expected.' : 'Walkthrough FAILED: see the ✗ steps above.'}\n`);
  return ok;
}
