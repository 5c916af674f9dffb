/**
 * The store contract: SQLite and PostgreSQL must behave the same. This suite runs once per store
 * kind (GATEHOUSE_TEST_STORE), against a real, freshly migrated store each time.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MIGRATIONS } from '../../src/store/migrations/migrations.js';
import { openStore } from '../../src/store/open-store.js';
import { GENESIS_HASH, type AuditAppend, type Store } from '../../src/store/store.js';
import { freshStoreUrl, openTestStore, TEST_STORE_KIND, type TestStore } from '../support/stores.js';

const hasher = (prev: string, seq: number, body: string) => createHash('sha256').update(`${prev}|${seq}|${body}`).digest('hex');

function record(i: number): AuditAppend {
  return { id: `aud_${i}_${Math.random().toString(36).slice(2)}`, body: `{"n":${i}}`, time: new Date().toISOString(), requestId: `req_${i}`, agent: 'a', connector: null, outcome: 'ok' };
}

describe(`store contract (${TEST_STORE_KIND})`, () => {
  let t: TestStore;
  let store: Store;
  before(async () => {
    t = await openTestStore();
    store = t.store;
  });
  after(async () => {
    await t.cleanup();
  });

  it('applies every migration once, and reopening is idempotent', async () => {
    assert.deepEqual(await store.migrationVersions(), MIGRATIONS.map((m) => m.version));
    const again = await openStore(t.url);
    assert.deepEqual(await again.migrationVersions(), MIGRATIONS.map((m) => m.version));
    await again.close();
  });

  it('stores agent keys by id, revokes all but one, and records last use', async () => {
    const base = { agent: 'bot', keyHash: 'h', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: null, revokedAt: null, lastUsedAt: null };
    await store.insertKey({ ...base, keyId: 'k1' });
    await store.insertKey({ ...base, keyId: 'k2', createdAt: '2026-01-02T00:00:00.000Z' });
    await store.insertKey({ ...base, keyId: 'k3', agent: 'other' });
    assert.equal((await store.findKey('k1'))?.agent, 'bot');
    assert.equal(await store.findKey('missing'), undefined);
    assert.equal(await store.revokeKeys('bot', '2026-02-01T00:00:00.000Z', 'k2'), 1);
    assert.equal((await store.findKey('k1'))?.revokedAt, '2026-02-01T00:00:00.000Z');
    assert.equal((await store.findKey('k2'))?.revokedAt, null);
    assert.equal((await store.findKey('k3'))?.revokedAt, null);
    await store.touchKey('k2', '2026-03-01T00:00:00.000Z');
    assert.equal((await store.findKey('k2'))?.lastUsedAt, '2026-03-01T00:00:00.000Z');
    assert.deepEqual((await store.listKeys('bot')).map((k) => k.keyId), ['k1', 'k2']);
    await store.setAgentRevoked('bot', '2026-04-01T00:00:00.000Z', 'incident');
    assert.equal((await store.getAgentState('bot'))?.reason, 'incident');
  });

  it('keeps connector run state', async () => {
    assert.equal(await store.getConnectorState('crm'), undefined);
    await store.setConnectorState({ connector: 'crm', state: 'paused', changedAt: 't1', changedBy: 'ops', reason: 'incident' });
    await store.setConnectorState({ connector: 'crm', state: 'active', changedAt: 't2', changedBy: 'ops', reason: null });
    assert.deepEqual(await store.getConnectorState('crm'), { connector: 'crm', state: 'active', changedAt: 't2', changedBy: 'ops', reason: null });
  });

  it('appends audit records as one chain, even from concurrent writers on separate connections', async () => {
    const other = await openStore(t.url);
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store : other).appendAudit([record(i * 2), record(i * 2 + 1)], hasher)));
    } finally {
      await other.close();
    }
    const rows = await store.readAudit({ limit: 1000 });
    assert.equal(rows.length, 20);
    let prev = GENESIS_HASH;
    rows.forEach((row, index) => {
      assert.equal(row.seq, index + 1);
      assert.equal(row.prevHash, prev);
      assert.equal(row.hash, hasher(prev, row.seq, row.body));
      prev = row.hash;
    });
    assert.deepEqual(await store.auditHead(), { seq: 20, hash: prev });
    assert.equal((await store.readAudit({ limit: 3, descending: true }))[0]?.seq, 20);
    assert.equal((await store.readAudit({ afterSeq: 18, limit: 10 })).length, 2);
    assert.equal((await store.findAudit(rows[4]!.id))?.seq, 5);
  });

  it('indexes documents and searches them ranked, restricted to the labels given, with query syntax neutralized', async () => {
    const doc = (path: string, label: string, body: string) => ({
      connector: 'docs', path, title: path, label, version: 'v', size: body.length, modifiedAt: 't', indexedAt: 't', body,
    });
    await store.upsertDocument(doc('a.md', 'internal', 'Vacation days carry over until March.'));
    await store.upsertDocument(doc('b.md', 'internal', 'Expenses need receipts. Vacation is unrelated.'));
    await store.upsertDocument(doc('hr/c.md', 'restricted', 'Vacation vacation vacation salary bands.'));
    await store.upsertDocument(doc('a.md', 'internal', 'Vacation days carry over until March of next year.'));
    const hits = await store.searchDocuments({ connector: 'docs', query: 'vacation carry', labels: ['internal'], limit: 10 });
    assert.deepEqual(hits.map((h) => h.path), ['a.md', 'b.md']);
    assert.match(hits[0]!.snippet, /«/);
    assert.equal((await store.searchDocuments({ connector: 'docs', query: 'vacation', labels: [], limit: 10 })).length, 0);
    for (const hostile of ['"vacation', 'vacation OR NEAR(', "vacation'); DROP TABLE documents; --", 'title:vacation*', '!!&&||']) {
      await store.searchDocuments({ connector: 'docs', query: hostile, labels: ['internal'], limit: 10 });
    }
    assert.equal((await store.listDocuments('docs')).length, 3);
    await store.deleteDocument('docs', 'b.md');
    assert.equal(await store.getDocument('docs', 'b.md'), undefined);
    assert.deepEqual((await store.searchDocuments({ connector: 'docs', query: 'receipts', labels: ['internal'], limit: 10 })), []);
  });

  it('keeps encrypted secrets with a version that increases on every set', async () => {
    const parts = { keyId: 'mk1', nonce: 'n', ciphertext: 'c', tag: 't', updatedAt: '2026-01-01T00:00:00.000Z' };
    assert.equal(await store.putSecret({ name: 'crm-db', ...parts }), 1);
    assert.equal(await store.putSecret({ name: 'crm-db', ...parts, ciphertext: 'c2', updatedAt: '2026-01-02T00:00:00.000Z' }), 2);
    const row = await store.getSecret('crm-db');
    assert.equal(row?.ciphertext, 'c2');
    assert.equal(row?.createdAt, '2026-01-01T00:00:00.000Z');
    assert.deepEqual((await store.listSecrets()).map((m) => [m.name, m.version]), [['crm-db', 2]]);
    assert.equal(await store.deleteSecret('crm-db'), true);
    assert.equal(await store.deleteSecret('crm-db'), false);
    assert.equal(await store.getSecret('crm-db'), undefined);
  });

  it('replaces tool pins per connector atomically', async () => {
    const pin = (tool: string, hash: string) => ({ connector: 'up', tool, hash, definition: '{}', pinnedAt: 't', pinnedBy: 'ops' });
    await store.replaceToolPins('up', [pin('a', 'h1'), pin('b', 'h2')]);
    await store.replaceToolPins('other', [pin('z', 'h9')]);
    await store.replaceToolPins('up', [pin('b', 'h3')]);
    assert.deepEqual((await store.listToolPins('up')).map((p) => [p.tool, p.hash]), [['b', 'h3']]);
    assert.equal((await store.listToolPins('other')).length, 1);
  });

  it('stores change records with before-images by audit id, and connector health per replica', async () => {
    await store.insertChanges([
      { auditId: 'aud_1', position: 0, connector: 'crm', kind: 'update', target: 'tickets', recordKey: '7', beforeImage: '{"status":"open"}', afterImage: '{"status":"closed"}', createdAt: 't' },
      { auditId: 'aud_1', position: 1, connector: 'crm', kind: 'insert', target: 'notes', recordKey: '9', beforeImage: null, afterImage: '{}', createdAt: 't' },
    ]);
    const changes = await store.listChanges('aud_1');
    assert.deepEqual(changes.map((c) => [c.position, c.kind, c.beforeImage]), [[0, 'update', '{"status":"open"}'], [1, 'insert', null]]);
    const health = { connector: 'crm', replica: 'r1', status: 'ok', lastSuccessAt: 't1', lastErrorAt: null, lastErrorCode: null, latencyMs: 1.5, updatedAt: 't1' };
    await store.putConnectorHealth(health);
    await store.putConnectorHealth({ ...health, status: 'unavailable', lastErrorAt: 't2', lastErrorCode: 'CONNECTOR_UNAVAILABLE', updatedAt: 't2' });
    assert.deepEqual(await store.listConnectorHealth(), [{ ...health, status: 'unavailable', lastErrorAt: 't2', lastErrorCode: 'CONNECTOR_UNAVAILABLE', updatedAt: 't2' }]);
  });

  it('a second store URL of the same kind is isolated', async () => {
    const { url, drop } = freshStoreUrl();
    const isolated = await openStore(url);
    try {
      assert.equal((await isolated.auditHead()).seq, 0);
      assert.equal(await isolated.findKey('k1'), undefined);
    } finally {
      await isolated.close();
      await drop();
    }
  });
});
