/**
 * The scripted demo: the official MCP client talks to the running gateway, step by step, and each
 * step prints what was asked and what Gatehouse decided. Returns false if any step misbehaved.
 * The steps on the sample CRM and the demo's HTTP API are in demo-walkthrough-systems.ts, those on
 * the guards in demo-walkthrough-guards.ts, those on approvals and rollback in
 * demo-walkthrough-approvals.ts.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { revokeAgent } from '../identity/agent-admin.js';
import type { Gateway } from '../main/gateway.js';
import { verifyStore } from '../audit/verifier.js';
import type { Io } from './io.js';
import { connect, StepReporter, textOf } from './demo-steps.js';
import { runApprovalSteps, type ApprovalsTarget } from './demo-walkthrough-approvals.js';
import { runGuardSteps } from './demo-walkthrough-guards.js';
import { runSystemSteps, type SystemsTarget } from './demo-walkthrough-systems.js';
import { DEMO_AGENT } from './scaffold.js';

export interface WalkthroughTarget extends SystemsTarget, ApprovalsTarget {
  readonly configFile: string;
  readonly gateway: Gateway;
}

/** Tools the walkthrough expects tools/list to offer. */
const EXPECTED_TOOLS = [
  'handbook_search', 'handbook_read', 'crm_query', 'crm_get', 'crm_update', 'helpcenter_get_status', 'helpcenter_search_articles', 'helpcenter_send_reply',
  'gatehouse_approval_status', 'gatehouse_approval_wait',
];

async function handbookSteps(r: StepReporter, target: WalkthroughTarget): Promise<void> {
  const client = await connect(target.url, target.key);
  try {
    r.step('List tools (tools/list shows only what policy lets this agent call)');
    const { tools } = await client.listTools();
    for (const t of tools) r.show(`${t.name}: ${t.description ?? ''}`);
    const missing = EXPECTED_TOOLS.filter((name) => !tools.some((t) => t.name === name));
    r.expect(missing.length === 0, 'The handbook, crm and helpcenter tools are offered, and (as a policy gates calls) the tools to follow held requests', `expected also ${missing.join(', ')}`);

    r.step('Search the handbook for "vacation"');
    const search = await client.callTool({ name: 'handbook_search', arguments: { query: 'vacation days' } }) as CallToolResult;
    r.show(textOf(search));
    const found = JSON.stringify(search.structuredContent ?? {});
    r.expect(!search.isError && found.includes('time-off.md') && !found.includes('hr/'),
      'Allowed; the restricted hr/ documents that also mention vacation are filtered out, snippets included',
      'search should succeed without any hr/ document');

    r.step('Read time-off.md');
    const read = await client.callTool({ name: 'handbook_read', arguments: { path: 'time-off.md' } }) as CallToolResult;
    r.show(`${textOf(read).split('\n').slice(0, 4).join('\n')}\n…`);
    r.expect(!read.isError, 'Allowed, with source, version and index time attached', 'the read should succeed');

    r.step('Read hr/salaries.md (restricted)');
    const denied = await client.callTool({ name: 'handbook_read', arguments: { path: 'hr/salaries.md' } }) as CallToolResult;
    r.show(textOf(denied));
    r.expect(denied.isError === true && textOf(denied).includes('restricted-needs-hr'),
      'Denied, naming the policy that decided', 'the restricted read should be denied by restricted-needs-hr');

    r.step('Try to escape the folder: ../../etc/passwd');
    const escape = await client.callTool({ name: 'handbook_read', arguments: { path: '../../etc/passwd' } }) as CallToolResult;
    r.show(textOf(escape));
    r.expect(escape.isError === true && textOf(escape).includes('PATH_OUTSIDE_ROOT'), 'Refused', 'path traversal must be refused');
  } finally {
    await client.close();
  }
}

export async function runWalkthrough(target: WalkthroughTarget, io: Io): Promise<boolean> {
  const r = new StepReporter(io);
  io.out(`Gatehouse walkthrough against ${target.url} (agent ${DEMO_AGENT})\n`);
  await handbookSteps(r, target);
  await runSystemSteps(target, r);
  await runGuardSteps(target, r);
  // Before the revocation below: an approved request of a revoked agent is not executed.
  await runApprovalSteps(target, r);

  r.step(`Revoke the agent (gatehouse agent revoke ${DEMO_AGENT}) and call again with the same key`);
  await revokeAgent(target.gateway.store, DEMO_AGENT, { reason: 'walkthrough' });
  let refused = '';
  try {
    const again = await connect(target.url, target.key);
    await again.listTools();
    await again.close();
  } catch (err) {
    refused = err instanceof Error ? err.message : String(err);
  }
  r.show(refused || 'no error');
  r.expect(refused.includes('401') || refused.includes('AUTH_REVOKED'), 'Refused with HTTP 401 on the very next call', 'the revoked key must be refused');

  r.step('Verify the audit trail (gatehouse audit verify)');
  await target.gateway.checkpoint();
  const report = await verifyStore(target.gateway.store);
  r.show(`${report.ok ? 'chain intact' : 'TAMPERING FOUND'}: ${report.recordsChecked} records, ${report.checkpointsChecked} checkpoints`);
  r.expect(report.ok && report.checkpointsChecked > 0, 'Every request above is in the hash chain, under a signed checkpoint, and it verifies',
    'audit verification failed');

  io.out(`\n${r.ok ? 'Walkthrough complete: every step behaved as expected.' : 'Walkthrough FAILED: see the ✗ steps above.'}\n`);
  return r.ok;
}
