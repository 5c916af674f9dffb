/**
 * The record-system connectors through the whole gateway, with the official MCP client: a CRM in
 * PostgreSQL (sql), a tickets API (http), an upstream MCP server (mcp) and a webhook, each with its
 * credential in the encrypted secrets store. The upstreams are built to echo those credentials back;
 * the test proves no credential reaches a tool result, an error, an audit record, a log line or the
 * store file, and that an unreachable system answers "unavailable", never an empty result.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import pg from 'pg';
import { startHttpFixture, type HttpFixture } from '../../src/connectors/mcp/test-fixtures/upstream-server.js';
import { DEFAULT_TOOLS, recordingLogger } from '../../src/connectors/mcp/test-fixtures/fixture-setup.js';
import { json, startServer, type TestServer } from '../../src/connectors/http/http-test-server.js';
import { loadMasterKey, MASTER_KEY_ENV } from '../../src/secrets/master-key.js';
import { setStoreSecret } from '../../src/secrets/store-secret-resolver.js';
import { openStore } from '../../src/store/open-store.js';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';
import { TEST_PG_URL, TEST_STORE_KIND } from '../support/stores.js';

const SECRETS = {
  'crm-db': `crm-db-pass-${randomBytes(9).toString('hex')}`,
  'tickets-key': `tk_live_${randomBytes(12).toString('hex')}`,
  'tracker-token': `Bearer mcp_tok_${randomBytes(12).toString('hex')}`,
  'notify-key': `whsec_${randomBytes(12).toString('hex')}`,
} as const;
const VALUES = Object.values(SECRETS);

const POLICY = `
@id("support-uses-systems")
permit (principal == Gatehouse::Agent::"support-bot", action, resource in Gatehouse::Connector::"crm");
@id("support-reads-tickets-api") permit (principal == Gatehouse::Agent::"support-bot", action, resource in Gatehouse::Connector::"tickets-api");
@id("support-uses-tracker") permit (principal == Gatehouse::Agent::"support-bot", action, resource in Gatehouse::Connector::"tracker");
@id("support-notifies") permit (principal == Gatehouse::Agent::"support-bot", action, resource in Gatehouse::Connector::"notify");
@id("support-crm-down") permit (principal == Gatehouse::Agent::"support-bot", action, resource in Gatehouse::Connector::"crm-down");
`;

function connectorsYaml(schema: string, api: string, upstream: string, hook: string): string {
  return `
  - name: crm
    type: sql
    owner: sales-ops@example.com
    purpose: Look up customers and update ticket categories
    url: postgres://postgres@127.0.0.1:5432/test?schema=${schema}
    password: \${secret:crm-db}
    powers: [read, write]
    audit_content: full
    tables:
      customers:
        columns: [id, name, email, region, plan]
        mask: { email: partial }
      tickets:
        columns: [id, customer_id, subject, status, category]
        write: { update: [status, category] }
  - name: crm-down
    type: sql
    owner: sales-ops@example.com
    purpose: A CRM replica that is not running
    url: postgres://postgres@127.0.0.1:1/test
    powers: [read]
    tables:
      customers: { columns: [id, name] }
  - name: tickets-api
    type: http
    owner: support-lead@example.com
    purpose: Read help-desk tickets
    base_url: ${api}
    allow_private_network: true   # the test service runs on loopback
    powers: [read]
    audit_content: full
    auth: { type: api_key, header: X-API-Key, value: "\${secret:tickets-key}" }
    retries: 0
    operations:
      getTicket: { method: GET, path: "/tickets/{id}", params: { id: { type: string, pattern: "^[0-9]+$" } } }
      debugEcho: { method: GET, path: /debug/echo }
      brokenEcho: { method: GET, path: /debug/broken }
  - name: tracker
    type: mcp
    owner: eng@example.com
    purpose: Issue tracker
    url: ${upstream}
    headers: { Authorization: "\${secret:tracker-token}" }
    powers: [search, read]
    audit_content: full
    tools:
      search_issues: { power: search }
      secret: { power: read }
      error: { power: read }
  - name: notify
    type: webhook
    owner: oncall@example.com
    purpose: Page the on-call channel
    url: ${hook}
    secret: \${secret:notify-key}
    allow_private_network: true
    powers: [trigger]
    retries: 0
    template: { text: "{{args.message}}" }
    arguments: { message: { type: string, maxLength: 200 } }
`;
}

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('record-system connectors through the gateway', () => {
  const schema = `gh_crm_${randomBytes(5).toString('hex')}`;
  const log = recordingLogger();
  const seenByAgent: string[] = [];
  let api: TestServer;
  let hook: TestServer;
  let upstream: HttpFixture;
  let fixture: GatewayFixture;
  let client: Client;
  let specDir = '';

  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args }) as CallToolResult;
    seenByAgent.push(JSON.stringify(result));
    return result;
  };

  before(async () => {
    const db = new pg.Client({ connectionString: TEST_PG_URL });
    await db.connect();
    try {
      await db.query(`CREATE SCHEMA ${schema}`);
      await db.query(`CREATE TABLE ${schema}.customers (id integer primary key, name text, email text, region text, plan text, notes text)`);
      await db.query(`CREATE TABLE ${schema}.tickets (id integer primary key, customer_id integer, subject text, status text, category text)`);
      await db.query(`INSERT INTO ${schema}.customers VALUES (1, 'Ada Lovelace', 'ada@example.com', 'emea', 'pro', 'secret notes'),
        (2, 'Grace Hopper', 'grace@example.com', 'amer', 'free', 'n/a')`);
      await db.query(`INSERT INTO ${schema}.tickets VALUES (10, 1, 'Cannot log in', 'open', 'access')`);
    } finally {
      await db.end();
    }
    // The tickets API answers with every header it got, as a careless debugging endpoint would.
    api = await startServer((req, res) => {
      if (req.headers['x-api-key'] !== SECRETS['tickets-key']) return json(res, 401, { error: 'missing key' });
      if (req.url.startsWith('/tickets/')) return json(res, 200, { id: req.url.slice(9), subject: 'Cannot log in', requester: 'ada' });
      if (req.url === '/debug/echo') return json(res, 200, { headers: req.headers });
      return json(res, 500, { error: `upstream crashed handling key ${String(req.headers['x-api-key'])}` });
    });
    hook = await startServer((_req, res) => json(res, 200, { ok: true }));
    specDir = mkdtempSync(join(tmpdir(), 'gatehouse-tracker-'));
    const specFile = join(specDir, 'tools.json');
    writeFileSync(specFile, JSON.stringify({ tools: DEFAULT_TOOLS }));
    upstream = await startHttpFixture(specFile);
    const masterKey = randomBytes(32).toString('hex');
    fixture = await startGatewayFixture({
      env: { [MASTER_KEY_ENV]: masterKey },
      log,
      editConfig: (yaml) => yaml.replace(/^connectors:\n/m, `connectors:\n${connectorsYaml(schema, `${api.origin}/`, upstream.url, `${hook.origin}/hook`)}`),
      files: { 'policies/systems.cedar': POLICY },
      beforeStart: async (store, config) => {
        const key = loadMasterKey(config);
        for (const [name, value] of Object.entries(SECRETS)) await setStoreSecret(store, key, name, value);
      },
    });
    client = await fixture.client();
  });

  after(async () => {
    await fixture?.close();
    await Promise.allSettled([api?.close(), hook?.close(), upstream?.close()]);
    if (specDir !== '') rmSync(specDir, { recursive: true, force: true });
    const db = new pg.Client({ connectionString: TEST_PG_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => db.end());
  });

  it('lists each system as tools with their powers', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    for (const tool of ['crm_query', 'crm_get', 'crm_update', 'tickets-api_getTicket', 'tracker_search_issues', 'notify_send']) {
      assert.ok(names.includes(tool), `${tool} in ${names.join(', ')}`);
    }
    assert.ok(!names.includes('tracker_delete_everything'), 'tools off the allow-list are not offered');
  });

  it('reads the CRM with masked columns and undeclared columns out of reach', async () => {
    const rows = await call('crm_query', { table: 'customers', sort: [{ column: 'id' }] });
    assert.ok(!rows.isError, textOf(rows));
    assert.match(textOf(rows), /a\*\*\*@example\.com/);
    assert.doesNotMatch(JSON.stringify(rows), /ada@example\.com|secret notes/);
    const notes = await call('crm_query', { table: 'customers', columns: ['notes'] });
    assert.equal(notes.isError, true);
  });

  it('treats SQL in a filter value as a value', async () => {
    const injected = await call('crm_query', { table: 'customers', filters: [{ column: 'name', op: '=', value: "x' OR '1'='1" }] });
    assert.ok(!injected.isError, textOf(injected));
    assert.match(textOf(injected), /no rows/);
    const dropped = await call('crm_query', { table: 'customers', filters: [{ column: 'name', op: '=', value: `'; DROP TABLE ${schema}.customers; --` }] });
    assert.match(textOf(dropped), /no rows/);
    assert.match(textOf(await call('crm_get', { table: 'customers', key: 2 })), /Grace Hopper/);
  });

  it('updates a writable column, refuses another, and keeps the before-image with the audit record', async () => {
    const refused = await call('crm_update', { table: 'tickets', key: 10, values: { subject: 'hacked' } });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /COLUMN_NOT_ALLOWED/);
    const updated = await call('crm_update', { table: 'tickets', key: 10, values: { category: 'billing' } });
    assert.ok(!updated.isError, textOf(updated));
    const store = await openStore(fixture.storeUrl);
    try {
      await fixture.gateway.checkpoint();
      const rows = await store.readAudit({ limit: 1000, descending: true });
      const record = rows.map((r) => ({ id: r.id, body: JSON.parse(r.body) as Record<string, unknown> }))
        .find((r) => r.body.tool === 'crm_update' && r.body.status === 'ok');
      assert.ok(record, 'the update is audited');
      const changes = await store.listChanges(record.id);
      assert.equal(changes.length, 1);
      assert.match(changes[0]?.beforeImage ?? '', /"category":"access"/);
      assert.match(changes[0]?.afterImage ?? '', /"category":"billing"/);
      const refusedRecord = rows.map((r) => JSON.parse(r.body) as Record<string, unknown>).find((b) => b.tool === 'crm_update' && b.status === 'error');
      assert.equal(refusedRecord?.errorCode, 'COLUMN_NOT_ALLOWED');
    } finally {
      await store.close();
    }
  });

  it('calls the HTTP API with the key injected, and scrubs the key when the API echoes it', async () => {
    const ticket = await call('tickets-api_getTicket', { id: '42' });
    assert.ok(!ticket.isError, textOf(ticket));
    assert.match(textOf(ticket), /Cannot log in/);
    assert.equal(api.requests.at(-1)?.headers['x-api-key'], SECRETS['tickets-key'], 'the upstream got the key');
    const echoed = await call('tickets-api_debugEcho', {});
    assert.ok(!echoed.isError, textOf(echoed));
    assert.match(textOf(echoed), /x-api-key/i);
    const broken = await call('tickets-api_brokenEcho', {});
    assert.equal(broken.isError, true);
    const traversal = await call('tickets-api_getTicket', { id: '../../admin' });
    assert.equal(traversal.isError, true, 'path tricks fail the parameter schema');
  });

  it('calls allow-listed upstream MCP tools and scrubs a credential the upstream echoes', async () => {
    const found = await call('tracker_search_issues', { query: 'login' });
    assert.ok(!found.isError, textOf(found));
    const echoed = await call('tracker_secret', {});
    assert.ok(!echoed.isError, textOf(echoed));
    assert.match(textOf(echoed), /\[secret tracker-token redacted\]/);
    const failed = await call('tracker_error', {});
    assert.equal(failed.isError, true);
    assert.match(textOf(failed), /UPSTREAM_REJECTED/);
  });

  it('sends a signed webhook without showing the signing key', async () => {
    const sent = await call('notify_send', { message: 'Ticket 10 escalated' });
    assert.ok(!sent.isError, textOf(sent));
    const delivered = hook.requests.at(-1);
    assert.match(String(delivered?.headers['x-gatehouse-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.deepEqual(JSON.parse(delivered?.body ?? '{}'), { text: 'Ticket 10 escalated' });
  });

  it('answers "unavailable" for a system that cannot be reached, never an empty result', async () => {
    const down = await call('crm-down_query', { table: 'customers' });
    assert.equal(down.isError, true);
    assert.match(textOf(down), /CONNECTOR_UNAVAILABLE/);
  });

  it('never lets a credential reach a result, an error, the audit trail, a log line or the store file', async () => {
    assert.ok(seenByAgent.length >= 10, 'every call above was seen');
    for (const value of VALUES) {
      for (const seen of seenByAgent) assert.ok(!seen.includes(value), 'a tool result or error holds a credential');
    }
    const store = await openStore(fixture.storeUrl);
    try {
      await fixture.gateway.checkpoint();
      const bodies = (await store.readAudit({ limit: 5000 })).map((r) => r.body);
      assert.ok(bodies.some((b) => b.includes('"tracker_secret"')), 'the echoing calls are audited (in full)');
      for (const value of VALUES) assert.ok(!bodies.some((b) => b.includes(value)), 'an audit record holds a credential');
    } finally {
      await store.close();
    }
    const lines = log.lines.map((l) => JSON.stringify(l));
    assert.ok(lines.some((l) => l.includes('echoed in a result')), 'the redaction is logged');
    for (const value of VALUES) assert.ok(!lines.some((l) => l.includes(value)), 'a log line holds a credential');
    if (TEST_STORE_KIND === 'sqlite') {
      const path = fixture.storeUrl.slice('sqlite:'.length);
      for (const file of [path, `${path}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f))) {
        for (const value of VALUES) assert.ok(!file.includes(value), 'the store file holds a credential in clear');
      }
    }
  });
});
