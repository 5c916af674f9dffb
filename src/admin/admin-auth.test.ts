/**
 * Administrator credentials on the store under test: token and password formats, and sign-in that
 * refuses wrong, expired, revoked and undeclared credentials and agent keys with one code that never
 * says which part was wrong.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestStore, TEST_STORE_KIND, type TestStore } from '../../test/support/stores.js';
import type { AdminConfig } from '../config/schema.js';
import { GatehouseError } from '../errors/catalog.js';
import { generateAgentKey } from '../identity/agent-keys.js';
import { issueAdminToken, listAdmins, revokeAdminTokens, setAdminPassword } from './admin-accounts.js';
import { AdminAuthenticator } from './admin-auth.js';
import { DUMMY_PASSWORD_HASH, hashPassword, parsePasswordHash, PASSWORD_COST, verifyPassword } from './admin-passwords.js';
import { adminTokenIdOf, generateAdminToken } from './admin-tokens.js';

const LEAD: AdminConfig = { name: 'lead@example.com', role: 'approver', groups: ['leads'] };
const AUDITOR: AdminConfig = { name: 'auditor@example.com', role: 'auditor', groups: [] };
const GONE = 'former@example.com';
const ADMINS = [LEAD, AUDITOR];
const CONFIG = { admins: [...ADMINS, { name: GONE, role: 'admin' as const, groups: [] }], file: 'gatehouse.yaml' };
const PASSWORD = 'correct horse battery staple';
const basic = (name: string, password: string) => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;

describe('admin tokens and passwords (formats)', () => {
  it('makes gha_ tokens with a 12-hex id and a 43-character secret, distinct from agent keys', () => {
    const { token, tokenId, tokenHash } = generateAdminToken();
    assert.match(token, /^gha_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(adminTokenIdOf(token), tokenId);
    assert.match(tokenHash, /^[0-9a-f]{64}$/);
    assert.equal(adminTokenIdOf(generateAgentKey().key), undefined);
  });

  it('hashes passwords with scrypt in a self-describing string and verifies them', async () => {
    const stored = await hashPassword(PASSWORD);
    assert.match(stored, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!stored.includes(PASSWORD));
    assert.notEqual(stored, await hashPassword(PASSWORD), 'salted');
    assert.equal(await verifyPassword(PASSWORD, stored), true);
    assert.equal(await verifyPassword(`${PASSWORD}!`, stored), false);
    assert.equal(await verifyPassword(PASSWORD, 'scrypt$2$1$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), false, 'too weak a stored cost never matches');
    assert.equal(await verifyPassword(PASSWORD, 'plain'), false);
    await assert.rejects(hashPassword('short'), { code: 'USAGE' });
  });

  it('keeps the dummy hash at the current cost, so an unknown name costs as much as a wrong password', () => {
    const dummy = parsePasswordHash(DUMMY_PASSWORD_HASH);
    assert.deepEqual(dummy && { N: dummy.N, r: dummy.r, p: dummy.p }, { ...PASSWORD_COST });
  });
});

describe(`admin sign-in (${TEST_STORE_KIND})`, () => {
  let t: TestStore;
  let auth: AdminAuthenticator;
  const refusal = async (promise: Promise<unknown>): Promise<GatehouseError> => {
    const err = await promise.then(() => assert.fail('expected a refusal'), (e: unknown) => e);
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.code, 'ADMIN_AUTH_INVALID');
    return err;
  };

  before(async () => {
    t = await openTestStore();
    auth = new AdminAuthenticator(t.store);
    await setAdminPassword(t.store, CONFIG, LEAD.name, PASSWORD);
    await setAdminPassword(t.store, CONFIG, GONE, PASSWORD);
  });
  after(async () => {
    await t.cleanup();
  });

  it('accepts a valid token and records its use; the store keeps only its hash', async () => {
    const issued = await issueAdminToken(t.store, CONFIG, LEAD.name, { expires: '1h' });
    const who = await auth.authenticate(`Bearer ${issued.token}`, ADMINS);
    assert.deepEqual(who, { admin: LEAD, method: 'token', tokenId: issued.tokenId });
    const row = await t.store.approvals.findAdminToken(issued.tokenId);
    assert.ok(row !== undefined && row.tokenHash !== issued.token && !row.tokenHash.includes(issued.token.slice(17)));
    for (let i = 0; i < 50 && (await t.store.approvals.findAdminToken(issued.tokenId))?.lastUsedAt == null; i++) await new Promise((r) => setTimeout(r, 20));
    assert.notEqual((await t.store.approvals.findAdminToken(issued.tokenId))?.lastUsedAt, null);
  });

  it('refuses a wrong secret, an unknown id, an expired and a revoked token with the same message', async () => {
    const issued = await issueAdminToken(t.store, CONFIG, AUDITOR.name);
    const wrong = `${issued.token.slice(0, 17)}${'A'.repeat(43)}`;
    const unknown = generateAdminToken().token;
    const expired = await issueAdminToken(t.store, CONFIG, AUDITOR.name, { expires: '1m', now: new Date(Date.now() - 3_600_000) });
    const errors = [await refusal(auth.authenticate(`Bearer ${wrong}`, ADMINS)), await refusal(auth.authenticate(`Bearer ${unknown}`, ADMINS)),
      await refusal(auth.authenticate(`Bearer ${expired.token}`, ADMINS))];
    assert.deepEqual(errors.map((e) => e.details.reason), ['wrong-secret', 'unknown-token', 'expired']);
    assert.equal((await auth.authenticate(`Bearer ${issued.token}`, ADMINS)).admin.name, AUDITOR.name);
    assert.equal(await revokeAdminTokens(t.store, AUDITOR.name), 2);
    errors.push(await refusal(auth.authenticate(`Bearer ${issued.token}`, ADMINS)));
    assert.equal(errors.at(-1)?.details.reason, 'revoked');
    assert.equal(new Set(errors.map((e) => e.message)).size, 1, 'one message for every failure');
    for (const e of errors) assert.doesNotMatch(e.message, /revoked|expired|secret|unknown/i);
  });

  it('refuses the token and password of a person no longer declared', async () => {
    const issued = await issueAdminToken(t.store, CONFIG, GONE);
    assert.equal((await refusal(auth.authenticate(`Bearer ${issued.token}`, ADMINS))).details.reason, 'not-declared');
    assert.equal((await refusal(auth.authenticate(basic(GONE, PASSWORD), ADMINS))).details.reason, 'not-declared');
    await assert.rejects(issueAdminToken(t.store, { admins: ADMINS, file: 'gatehouse.yaml' }, GONE), { code: 'ADMIN_NOT_DECLARED' });
  });

  it('refuses agent keys, missing and malformed credentials', async () => {
    const agentKey = await refusal(auth.authenticate(`Bearer ${generateAgentKey().key}`, ADMINS));
    assert.match(agentKey.message, /agent key/);
    assert.match((await refusal(auth.authenticate(undefined, ADMINS))).message, /No administrator credentials/);
    for (const header of ['Bearer', 'Token abc', 'Basic !!!', basic('', 'x'), `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Bearer gha_short']) {
      await refusal(auth.authenticate(header, ADMINS));
    }
  });

  it('accepts a right password and refuses a wrong one or an unknown name alike', async () => {
    assert.deepEqual(await auth.authenticate(basic(LEAD.name, PASSWORD), ADMINS), { admin: LEAD, method: 'password' });
    const wrong = await refusal(auth.authenticate(basic(LEAD.name, 'not the password at all'), ADMINS));
    const unknown = await refusal(auth.authenticate(basic('nobody@example.com', PASSWORD), ADMINS));
    const noPassword = await refusal(auth.authenticate(basic(AUDITOR.name, PASSWORD), ADMINS));
    assert.equal(new Set([wrong.message, unknown.message, noPassword.message]).size, 1);
  });

  it('lists declared people with role, groups, password state and usable tokens only', async () => {
    const listed = await listAdmins(t.store, { admins: ADMINS });
    assert.deepEqual(listed.map((a) => [a.name, a.role, a.passwordSet, a.activeTokens.length]), [[LEAD.name, 'approver', true, 1], [AUDITOR.name, 'auditor', false, 0]]);
    assert.ok(!JSON.stringify(listed).includes('scrypt$'));
  });
});
