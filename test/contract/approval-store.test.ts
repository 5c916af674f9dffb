/**
 * The approval part of the store contract, on the store kind under test: rows round-trip, every
 * state change is a compare-and-set that exactly one of many racing callers wins (also across two
 * connections to the same store), expired requests cannot move, and admin tokens are kept by id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApprovalRow } from '../../src/store/approval-repo.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, TEST_STORE_KIND, type TestStore } from '../support/stores.js';

const T0 = '2026-12-01T10:00:00.000Z';

function approval(id: string, extra: Partial<ApprovalRow> = {}): ApprovalRow {
  return {
    id, kind: 'approval', status: 'pending', connector: 'crm', tool: 'crm_update', operation: 'update', power: 'write',
    arguments: '{"key":10,"table":"tickets","values":{"category":"billing"}}', approvedArguments: null,
    agent: 'support-bot', agentOwner: 'lead@example.com', keyId: 'k1', userId: 'ada', userJson: '{"id":"ada","groups":[],"attributes":{}}',
    policyIds: '["gate"]', approverGroups: '["helpdesk-leads"]', fourEyes: true, risk: 'write to crm: update tickets/10',
    requestAuditId: 'aud_1', createdAt: T0, expiresAt: '2026-12-02T10:00:00.000Z', decidedBy: null, decidedAt: null,
    decisionReason: null, edits: null, decisionAuditId: null, claimedBy: null, claimedAt: null, executedAt: null,
    executionAuditId: null, resultSummary: null, errorCode: null, updatedAt: T0, ...extra,
  };
}

describe(`approval store contract (${TEST_STORE_KIND})`, () => {
  let t: TestStore;
  let store: Store;
  before(async () => {
    t = await openTestStore();
    store = t.store;
  });
  after(async () => {
    await t.cleanup();
  });

  it('round-trips an approval and lists by status, newest first', async () => {
    await store.approvals.insertApproval(approval('apr_a'));
    await store.approvals.insertApproval(approval('apr_b', { createdAt: '2026-12-01T11:00:00.000Z', kind: 'draft', status: 'draft', fourEyes: false }));
    assert.deepEqual(await store.approvals.getApproval('apr_a'), approval('apr_a'));
    assert.equal((await store.approvals.getApproval('apr_b'))?.fourEyes, false);
    assert.deepEqual((await store.approvals.listApprovals({ limit: 10 })).map((a) => a.id), ['apr_b', 'apr_a']);
    assert.deepEqual((await store.approvals.listApprovals({ statuses: ['pending'], limit: 10 })).map((a) => a.id), ['apr_a']);
    assert.equal(await store.approvals.getApproval('apr_missing'), undefined);
  });

  it('lets exactly one of many racing transitions win, across connections', async () => {
    await store.approvals.insertApproval(approval('apr_race'));
    const other = await openStore(t.url);
    try {
      const attempts = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? store : other).approvals.transitionApproval(
        'apr_race', ['pending'], 'approved', { decidedBy: `approver-${i}`, decidedAt: T0 }, T0, T0));
      const won = (await Promise.all(attempts)).filter(Boolean).length;
      assert.equal(won, 1);
      const row = await store.approvals.getApproval('apr_race');
      assert.equal(row?.status, 'approved');
      assert.match(row?.decidedBy ?? '', /^approver-\d+$/);
      assert.deepEqual((await store.approvals.listApprovedUnclaimed(10)).map((a) => a.id), ['apr_race']);
      const claims = await Promise.all([store, other, store, other].map((s, i) =>
        s.approvals.transitionApproval('apr_race', ['approved'], 'executing', { claimedBy: `replica-${i}`, claimedAt: T0 }, T0)));
      assert.equal(claims.filter(Boolean).length, 1, 'one executor claims it');
      assert.deepEqual(await store.approvals.listApprovedUnclaimed(10), []);
    } finally {
      await other.close();
    }
  });

  it('refuses to move an expired request', async () => {
    await store.approvals.insertApproval(approval('apr_old', { expiresAt: '2026-12-01T09:00:00.000Z' }));
    assert.equal(await store.approvals.transitionApproval('apr_old', ['pending'], 'approved', {}, T0, T0), false);
    assert.equal(await store.approvals.transitionApproval('apr_old', ['pending'], 'expired', {}, T0), true);
    assert.equal((await store.approvals.getApproval('apr_old'))?.status, 'expired');
  });

  it('lists what is due to expire and links audit ids whatever the state', async () => {
    await store.approvals.insertApproval(approval('apr_due', { expiresAt: '2026-12-01T09:30:00.000Z' }));
    await store.approvals.insertApproval(approval('apr_later', { expiresAt: '2026-12-09T00:00:00.000Z' }));
    const due = (await store.approvals.listDue(T0, 100)).map((a) => a.id);
    assert.ok(due.includes('apr_due') && !due.includes('apr_later'));
    await store.approvals.transitionApproval('apr_later', ['pending'], 'rejected', {}, T0);
    await store.approvals.linkApproval('apr_later', { requestAuditId: 'aud_req', decisionAuditId: 'aud_dec' });
    const row = await store.approvals.getApproval('apr_later');
    assert.deepEqual([row?.status, row?.requestAuditId, row?.decisionAuditId], ['rejected', 'aud_req', 'aud_dec']);
  });

  it('keeps admin passwords and tokens', async () => {
    await store.approvals.setAdminPassword('lead@example.com', 'scrypt$hash', T0);
    assert.equal(await store.approvals.getAdminPassword('lead@example.com'), 'scrypt$hash');
    assert.equal(await store.approvals.getAdminPassword('nobody'), undefined);
    const token = { tokenId: 't1', admin: 'lead@example.com', tokenHash: 'h', createdAt: T0, expiresAt: null, revokedAt: null, lastUsedAt: null };
    await store.approvals.insertAdminToken(token);
    assert.deepEqual(await store.approvals.findAdminToken('t1'), token);
    await store.approvals.touchAdminToken('t1', T0);
    assert.equal((await store.approvals.findAdminToken('t1'))?.lastUsedAt, T0);
    assert.equal(await store.approvals.revokeAdminTokens('lead@example.com', T0), 1);
    assert.equal((await store.approvals.listAdminTokens('lead@example.com'))[0]?.revokedAt, T0);
  });
});
