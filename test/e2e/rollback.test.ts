/**
 * Rollback of SQL writes through the real gateway: the before-image restores the row, a row that
 * changed since is refused (naming the columns), a second rollback is refused, an insert is undone
 * by deleting it, policy decides the revert (and can gate it for approval), and the trail links the
 * revert to the call it undoes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { issueAdminToken } from '../../src/admin/admin-accounts.js';
import { rollback } from '../../src/approvals/rollback.js';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/store/open-store.js';
import { json, startServer, type TestServer } from '../../src/connectors/http/http-test-server.js';
import { LEAD } from '../support/approval-fixture.js';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';

const ADMIN = { name: 'dba@example.com', role: 'admin' as const, groups: [] };
const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));

const POLICY = `
@id("desk-write") permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"write", resource == Gatehouse::Connector::"desk");
@id("crm-read") permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"read", resource in Gatehouse::Connector::"crm");
@id("crm-write") permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"write", resource in Gatehouse::Connector::"crm")
  when { context.operation != "revert" || resource is Gatehouse::Table };
@id("crm-revert-tickets") permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"write", resource in Gatehouse::Connector::"crm")
  when { context.operation == "revert" && resource is Gatehouse::Record && resource.table == "tickets" };
@id("crm-revert-notes-gated") @approval("oncall-leads")
permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"write", resource in Gatehouse::Connector::"crm")
  when { context.operation == "revert" && resource is Gatehouse::Record && resource.table == "notes" };
`;

describe('rollback', () => {
  let dir: string;
  let db: Database.Database;
  let f: GatewayFixture;
  let client: Client;
  let desk: TestServer;
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args }) as CallToolResult;
    assert.ok(!result.isError, JSON.stringify(result.content));
    return String(result._meta?.['gatehouse/auditId']);
  };
  const ticket = (id: number) => db.prepare('SELECT status, category FROM tickets WHERE id = ?').get(id) as { status: string; category: string } | undefined;

  before(async () => {
    desk = await startServer((req, res) => (req.method === 'POST' ? json(res, 201, { id: 'T-77' }) : json(res, 200, { deleted: true })));
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-rollback-'));
    db = new Database(join(dir, 'crm.db'));
    db.exec(`CREATE TABLE tickets (id INTEGER PRIMARY KEY, subject TEXT, status TEXT, category TEXT);
      INSERT INTO tickets VALUES (1, 'Login fails', 'open', 'access'), (2, 'Refund', 'open', 'billing');
      CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);`);
    f = await startGatewayFixture({
      editConfig: (yaml) => yaml.replace(/^connectors:\n/m, `connectors:
  - name: crm
    type: sql
    owner: ops@example.com
    purpose: Tickets
    url: sqlite:${join(dir, 'crm.db')}
    powers: [read, write]
    tables:
      tickets: { columns: [id, subject, status, category], write: { update: [status, category] } }
      notes: { columns: [id, text], write: { insert: [text], update: [text] } }
  - name: desk
    type: http
    owner: support@example.com
    purpose: Help desk tickets
    base_url: \${DESK}/
    allow_private_network: true
    powers: [write]
    retries: 0
    operations:
      createTicket:
        method: POST
        path: /tickets
        body: { type: object, properties: { subject: { type: string } }, required: [subject], additionalProperties: false }
        compensate: { operation: deleteTicket, arguments: { id: "{{result.id}}" } }
      deleteTicket: { method: DELETE, path: "/tickets/{id}", params: { id: { type: string, pattern: "^T-[0-9]+$" } }, response: text }
`.replace('\${DESK}', desk.origin)) + `admins:\n  - { name: ${LEAD.name}, role: approver, groups: [oncall-leads] }\n  - { name: ${ADMIN.name}, role: admin }\n  - { name: auditor@example.com, role: auditor }\n`,
      files: { 'policies/crm.cedar': POLICY },
    });
    client = await f.client();
  });
  after(async () => {
    await f?.close();
    await desk?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores the before-image, links the trail, and refuses a second rollback', async () => {
    const write = await call('crm_update', { table: 'tickets', key: 1, values: { status: 'closed', category: 'billing' } });
    assert.deepEqual(ticket(1), { status: 'closed', category: 'billing' });
    const done = await rollback(f.gateway.runtime, { auditId: write, admin: ADMIN, via: 'test' });
    assert.equal(done.status, 'reverted');
    assert.deepEqual(ticket(1), { status: 'open', category: 'access' });
    await f.gateway.audit.flush();
    const revert = JSON.parse((await f.gateway.store.findAudit(done.auditIds[0]!))!.body) as Record<string, unknown>;
    assert.equal(revert.reverts, write);
    assert.equal(revert.tool, 'crm_revert');
    assert.equal((revert.actor as Record<string, string>).admin, ADMIN.name);
    assert.equal((revert.actor as Record<string, string>).agent, 'support-bot');
    await assert.rejects(rollback(f.gateway.runtime, { auditId: write, admin: ADMIN, via: 'test' }), { code: 'ROLLBACK_REFUSED', message: /changed since \(status, category/ });
  });

  it('refuses when the row changed since the write, and changes nothing', async () => {
    const write = await call('crm_update', { table: 'tickets', key: 2, values: { category: 'refunds' } });
    await call('crm_update', { table: 'tickets', key: 2, values: { status: 'pending' } });
    await assert.rejects(rollback(f.gateway.runtime, { auditId: write, admin: ADMIN, via: 'test' }), { code: 'ROLLBACK_REFUSED', message: /status differ/ });
    assert.deepEqual(ticket(2), { status: 'pending', category: 'refunds' });
  });

  it('holds the revert for approval when policy gates it, then undoes an insert once approved', async () => {
    const write = await call('crm_insert', { table: 'notes', values: { text: 'call back tomorrow' } });
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM notes').get() as { n: number }).n, 1);
    const held = await rollback(f.gateway.runtime, { auditId: write, admin: ADMIN, via: 'test' });
    assert.equal(held.status, 'held');
    assert.equal(held.approval?.tool, 'crm_revert');
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM notes').get() as { n: number }).n, 1, 'nothing reverted yet');
    await f.gateway.runtime.approvals.decide({ id: held.approval!.id, admin: LEAD, action: 'approve', via: 'test' });
    await f.gateway.runtime.executor.execute(held.approval!.id);
    assert.equal((await f.gateway.runtime.approvals.get(held.approval!.id)).status, 'executed');
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM notes').get() as { n: number }).n, 0);
  });

  it('undoes an HTTP call with its declared compensating operation, built from the response', async () => {
    const created = await call('desk_createTicket', { body: { subject: 'Printer on fire' } });
    const done = await rollback(f.gateway.runtime, { auditId: created, admin: ADMIN, via: 'test' });
    assert.equal(done.status, 'reverted');
    assert.match(done.summaries[0] ?? '', /reverted createTicket with deleteTicket/);
    assert.deepEqual(desk.requests.map((r) => `${r.method} ${r.url}`), ['POST /tickets', 'DELETE /tickets/T-77']);
  });

  it('rolls back through the admin API and the CLI, as a signed-in admin, and refuses an auditor', async () => {
    const config = loadConfig(f.configFile);
    const store = await openStore(f.storeUrl);
    const [adminToken, auditorToken] = await Promise.all([issueAdminToken(store, config, ADMIN.name), issueAdminToken(store, config, 'auditor@example.com')])
      .finally(() => store.close());
    const post = (token: string, body: unknown) => fetch(f.url.replace(/\/mcp$/, '/admin/v1/rollbacks'), {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const viaApi = await call('crm_update', { table: 'tickets', key: 1, values: { status: 'waiting' } });
    const refused = await post(auditorToken.token, { audit_id: viaApi });
    assert.equal(refused.status, 403);
    assert.equal(ticket(1)?.status, 'waiting');
    const answer = await post(adminToken.token, { audit_id: viaApi });
    const json = await answer.json() as { rollback: { status: string; revert_audit_ids: string[] } };
    assert.equal(answer.status, 200, JSON.stringify(json));
    assert.equal(json.rollback.status, 'reverted');
    assert.equal(ticket(1)?.status, 'open');
    const bad = await post(adminToken.token, { audit_id: 'nope' });
    assert.equal(bad.status, 400);

    const viaCli = await call('crm_update', { table: 'tickets', key: 1, values: { status: 'resolved' } });
    const cli = spawnSync(process.execPath, [BIN, 'rollback', viaCli, '--config', f.configFile, '--json'], {
      encoding: 'utf8', env: { ...process.env, GATEHOUSE_ADMIN_TOKEN: adminToken.token }, timeout: 60_000,
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal((JSON.parse(cli.stdout) as { status: string }).status, 'reverted');
    assert.equal(ticket(1)?.status, 'open');
    const again = spawnSync(process.execPath, [BIN, 'rollback', viaCli, '--config', f.configFile], {
      encoding: 'utf8', env: { ...process.env, GATEHOUSE_ADMIN_TOKEN: adminToken.token }, timeout: 60_000,
    });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /ROLLBACK_REFUSED/);
  });

  it('is not a tool agents can list or call, and refuses what recorded no change', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(!names.includes('crm_revert'));
    const direct = await client.callTool({ name: 'crm_revert', arguments: { target: 'tickets', key: 1, kind: 'update', before: {}, after: {} } }).catch((e: Error) => e);
    assert.match(String(direct instanceof Error ? direct.message : JSON.stringify(direct)), /TOOL_UNKNOWN/);
    const read = await call('crm_get', { table: 'tickets', key: 1 });
    await assert.rejects(rollback(f.gateway.runtime, { auditId: read, admin: ADMIN, via: 'test' }), { code: 'ROLLBACK_REFUSED' });
    await assert.rejects(rollback(f.gateway.runtime, { auditId: 'aud_nope', admin: ADMIN, via: 'test' }), { code: 'AUDIT_RECORD_NOT_FOUND' });
  });
});
