/**
 * A running gateway picks up a changed configuration on reload, and refuses an invalid one while
 * keeping the old configuration serving.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';

describe('configuration reload', () => {
  let f: GatewayFixture;
  before(async () => {
    f = await startGatewayFixture();
  });
  after(async () => {
    await f.close();
  });

  it('keeps the old configuration when the new file is invalid, and audits the refusal', async () => {
    const original = readFileSync(f.configFile, 'utf8');
    writeFileSync(f.configFile, `${original}\nunexpected_key: true\n`);
    assert.equal(await f.gateway.reload(), false);
    const client = await f.client();
    assert.equal((await client.listTools()).tools.length, 2);
    writeFileSync(f.configFile, original);
    await f.gateway.audit.flush();
    const bodies = (await f.gateway.store.readAudit({ limit: 1000 })).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    assert.ok(bodies.some((b) => b.action === 'config_reload' && b.status === 'error' && b.errorCode === 'CONFIG_INVALID'));
  });

  it('refuses a policy file that does not validate, keeping the old policies', async () => {
    const bad = join(f.dir, 'policies', 'zz-bad.cedar');
    writeFileSync(bad, 'permit (principal, action, resource) when { resource.nope };\n');
    assert.equal(await f.gateway.reload(), false);
    writeFileSync(bad, '// emptied\n');
    const client = await f.client();
    const result = await client.callTool({ name: 'handbook_read', arguments: { path: 'welcome.md' } }) as CallToolResult;
    assert.equal(result.isError, undefined);
  });

  it('applies a valid change: removing the read power removes the tool', async () => {
    const original = readFileSync(f.configFile, 'utf8');
    writeFileSync(f.configFile, original.replace('powers: [search, read]', 'powers: [search]'));
    assert.equal(await f.gateway.reload(), true);
    const client = await f.client();
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name), ['handbook_search']);
    writeFileSync(f.configFile, original);
    assert.equal(await f.gateway.reload(), true);
  });
});
