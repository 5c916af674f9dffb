/**
 * Permission-aware retrieval: an agent acting for a user, proven by a signed assertion, sees what
 * policy grants that user; forged, expired or unsigned assertions are refused with 401.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { SignJWT } from 'jose';
import { rawPost, startGatewayFixture, type GatewayFixture } from '../support/gateway-fixture.js';

const SECRET = 'test-assertion-secret-0123456789abcdef';
const ISSUER = 'https://intranet.example.com';

function token(claims: Record<string, unknown>, options: { secret?: string; issuer?: string; ageSeconds?: number; ttlSeconds?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience('gatehouse')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 300))
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

describe('agent acting for an end user', () => {
  let f: GatewayFixture;
  before(async () => {
    f = await startGatewayFixture({
      env: { GH_TEST_ASSERTION_SECRET: SECRET },
      editConfig: (yaml) => yaml
        .replace('agents:\n  - name: support-bot\n', 'agents:\n  - name: support-bot\n    act_for_users: true\n')
        .replace(/^policies:/m, `identity:\n  user_assertion:\n    issuer: ${ISSUER}\n    secret: \${env:GH_TEST_ASSERTION_SECRET}\n  user_attributes: { region: string }\nusers:\n  - id: carol@example.com\n    groups: [hr]\npolicies:`),
    });
  });
  after(async () => {
    await f.close();
  });

  const read = async (assertion: string | undefined) => {
    const client = await f.client(undefined, assertion === undefined ? {} : { 'X-Gatehouse-User': assertion });
    return client.callTool({ name: 'handbook_read', arguments: { path: 'hr/salaries.md' } }) as Promise<CallToolResult>;
  };

  it('lets a member of hr read a restricted document through the agent', async () => {
    const result = await read(await token({ sub: 'dana@example.com', groups: ['hr'] }));
    assert.equal(result.isError, undefined, text(result));
    assert.match(text(result), /Salary bands/);
  });

  it('takes groups from the configured user directory too', async () => {
    const result = await read(await token({ sub: 'carol@example.com' }));
    assert.equal(result.isError, undefined, text(result));
  });

  it('denies the same read for a user outside hr, and for the agent alone', async () => {
    const outsider = await read(await token({ sub: 'erin@example.com', groups: ['sales'] }));
    assert.equal(outsider.isError, true);
    assert.match(text(outsider), /restricted-needs-hr/);
    const alone = await read(undefined);
    assert.equal(alone.isError, true);
  });

  it('refuses forged, expired, stale and foreign-issuer assertions with 401', async () => {
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    const bad = [
      await token({ sub: 'mallory@example.com', groups: ['hr'] }, { secret: 'not-the-issuer-secret-at-all-000000' }),
      await token({ sub: 'mallory@example.com', groups: ['hr'] }, { ageSeconds: 600, ttlSeconds: 60 }),
      await token({ sub: 'mallory@example.com', groups: ['hr'] }, { ageSeconds: 3600, ttlSeconds: 7200 }),
      await token({ sub: 'mallory@example.com', groups: ['hr'] }, { issuer: 'https://evil.example' }),
      // alg=none: an unsigned token with the right claims
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'm', groups: ['hr'], iss: ISSUER, aud: 'gatehouse', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')}.`,
    ];
    for (const assertion of bad) {
      const response = await rawPost(f.url, init, { Authorization: `Bearer ${f.key}`, 'X-Gatehouse-User': assertion });
      assert.equal(response.status, 401);
      assert.match(JSON.stringify(response.json), /USER_ASSERTION_INVALID/);
    }
  });
});
