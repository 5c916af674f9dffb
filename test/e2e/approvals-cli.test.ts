/**
 * The real `gatehouse` binary on the approver's side, next to a running gateway on the same store:
 * `admin password|token|revoke|list`, then `approvals list|show|approve|reject` as the person in
 * GATEHOUSE_ADMIN_TOKEN, with the rules' refusals as exit 1 and usage errors as exit 2. The CLI
 * records decisions; the running gateway executes them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { generateAdminToken } from '../../src/admin/admin-tokens.js';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';
import { ADMINS_YAML, GATED_POLICY } from '../support/gated-workspace.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));
const PASSWORD = 'a long enough password';

interface Run { status: number; stdout: string; stderr: string }

describe('gatehouse admin and approvals CLI', () => {
  let f: GatewayFixture;
  let client: Client;
  let lead = '';
  let owner = '';
  const outputs: string[] = [];

  /** Run the binary without blocking this process, which hosts the gateway. */
  const gatehouse = (args: string[], options: { token?: string; input?: string } = {}): Promise<Run> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--config', f.configFile], {
      cwd: f.dir, env: { ...process.env, GATEHOUSE_ADMIN_TOKEN: options.token ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      outputs.push(stdout, stderr);
      resolve({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
  const hold = async (path: string): Promise<string> => {
    const held = await client.callTool({ name: 'handbook_read', arguments: { path } }) as CallToolResult;
    return String(held._meta?.['gatehouse/approvalId'] ?? '');
  };

  before(async () => {
    f = await startGatewayFixture({ editConfig: (yaml) => `${yaml}${ADMINS_YAML}`, files: { 'policies/handbook.cedar': GATED_POLICY } });
    client = await f.client();
  });
  after(async () => {
    await f?.close();
  });

  it('sets passwords from stdin only, issues tokens once and lists people without secrets', async () => {
    const argv = await gatehouse(['admin', 'password', 'lead@example.com', PASSWORD]);
    assert.equal(argv.status, 2);
    assert.match(argv.stderr, /standard input/);
    assert.doesNotMatch(argv.stderr + argv.stdout, new RegExp(PASSWORD));
    assert.equal((await gatehouse(['admin', 'password', 'lead@example.com'], { input: 'too short\n' })).status, 2);
    const set = await gatehouse(['admin', 'password', 'lead@example.com', '--json'], { input: `${PASSWORD}\n` });
    assert.equal(set.status, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), { name: 'lead@example.com', passwordSet: true });

    const issued = await gatehouse(['admin', 'token', 'lead@example.com', '--expires', '30d', '--json']);
    assert.equal(issued.status, 0, issued.stderr);
    lead = (JSON.parse(issued.stdout) as { token: string }).token;
    assert.match(lead, /^gha_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    owner = (JSON.parse((await gatehouse(['admin', 'token', 'support-lead@example.com', '--json'])).stdout) as { token: string }).token;
    const ghost = await gatehouse(['admin', 'token', 'ghost@example.com']);
    assert.equal(ghost.status, 2);
    assert.match(ghost.stderr, /ADMIN_NOT_DECLARED/);

    const listed = await gatehouse(['admin', 'list', '--json']);
    const people = JSON.parse(listed.stdout) as { name: string; role: string; passwordSet: boolean; activeTokens: unknown[] }[];
    assert.deepEqual(people.map((p) => [p.name, p.role, p.passwordSet, p.activeTokens.length]), [
      ['lead@example.com', 'approver', true, 1], ['support-lead@example.com', 'approver', false, 1],
      ['finance@example.com', 'approver', false, 0], ['auditor@example.com', 'auditor', false, 0],
    ]);
    assert.doesNotMatch(listed.stdout, /gha_|scrypt/);
  });

  it('needs GATEHOUSE_ADMIN_TOKEN (exit 2 when unset) and a valid one (exit 1 when refused)', async () => {
    const unset = await gatehouse(['approvals', 'list']);
    assert.equal(unset.status, 2);
    assert.match(unset.stderr, /GATEHOUSE_ADMIN_TOKEN is not set/);
    const forged = await gatehouse(['approvals', 'list'], { token: generateAdminToken().token });
    assert.equal(forged.status, 1);
    assert.match(forged.stderr, /ADMIN_AUTH_INVALID/);
    await f.gateway.audit.flush();
    const bodies = (await f.gateway.store.readAudit({ limit: 10_000 })).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    assert.ok(bodies.some((b) => b.kind === 'auth_failure' && b.action === 'approvals_cli' && b.summary === 'unknown-token'));
  });

  it('lists, shows and approves with --set; the running gateway executes the edited action', async () => {
    const id = await hold('welcome.md');
    const listed = await gatehouse(['approvals', 'list', '--status', 'pending', '--json'], { token: lead });
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as { id: string }[]).some((a) => a.id === id));
    const shown = await gatehouse(['approvals', 'show', id], { token: lead });
    assert.match(shown.stdout, /welcome\.md/);
    assert.match(shown.stdout, /four eyes/);

    const self = await gatehouse(['approvals', 'approve', id], { token: owner });
    assert.equal(self.status, 1);
    assert.match(self.stderr, /APPROVAL_FORBIDDEN.*owns the agent/);

    const approved = await gatehouse(['approvals', 'approve', id, '--set', 'path=expenses.md', '--reason', 'better page'], { token: lead });
    assert.equal(approved.status, 0, approved.stderr);
    assert.match(approved.stdout, /Approved .* with edits to path.*running gateway executes it within about a second/s);
    const done = await f.gateway.runtime.executor.waitFor(id, 30_000, new AbortController().signal);
    assert.equal(done?.status, 'executed', done?.errorCode ?? '');
    assert.equal(done?.approvedArguments, '{"path":"expenses.md"}');
    assert.equal(done?.decidedBy, 'lead@example.com');
  });

  it('refuses edits outside policy (exit 1), a reject without reason (exit 2) and an approve after a reject (exit 1)', async () => {
    const id = await hold('time-off.md');
    const file = join(f.dir, 'edit.json');
    writeFileSync(file, JSON.stringify({ path: 'hr/salaries.md' }));
    const outside = await gatehouse(['approvals', 'approve', id, '--edit', file], { token: lead });
    assert.equal(outside.status, 1);
    assert.match(outside.stderr, /APPROVAL_EDIT_INVALID/);
    assert.equal((await gatehouse(['approvals', 'approve', id, '--edit', file, '--set', 'path=x.md'], { token: lead })).status, 2);
    assert.equal((await gatehouse(['approvals', 'reject', id], { token: lead })).status, 2);
    const rejected = await gatehouse(['approvals', 'reject', id, '--reason', 'not now', '--json'], { token: lead });
    assert.equal(rejected.status, 0, rejected.stderr);
    assert.equal((JSON.parse(rejected.stdout) as { status: string }).status, 'rejected');
    const again = await gatehouse(['approvals', 'approve', id], { token: lead });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /APPROVAL_ALREADY_DECIDED/);
  });

  it('revokes tokens at once, and the trail of CLI and gateway stays one verifiable chain', async () => {
    const revoked = await gatehouse(['admin', 'revoke', 'support-lead@example.com', '--json']);
    assert.deepEqual(JSON.parse(revoked.stdout), { name: 'support-lead@example.com', revoked: 1 });
    assert.equal((await gatehouse(['approvals', 'list'], { token: owner })).status, 1);
    await f.gateway.audit.flush();
    const verify = await gatehouse(['audit', 'verify']);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.ok(!outputs.some((o) => o.includes(PASSWORD)), 'the password never appears in any output');
  });
});
