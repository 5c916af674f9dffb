import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openTestStore } from '../../test/support/stores.js';
import { openAuditKeys } from './audit-keys.js';
import { AuditWriter } from './audit-writer.js';
import { Checkpointer, checkpointMessage, checkpointSignatureValid, signCheckpoint } from './checkpointer.js';

describe(`Checkpointer (${process.env.GATEHOUSE_TEST_STORE ?? 'sqlite'})`, () => {
  it('signs the head only when the chain grew, and once more on close', async () => {
    const t = await openTestStore();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cp-'));
    try {
      const keys = await openAuditKeys({ stateDir: dir, hmacKey: undefined, store: t.store });
      const writer = new AuditWriter(t.store, keys, { contentMode: 'hashed' });
      const checkpointer = new Checkpointer(t.store, keys, { intervalMs: 3_600_000 });
      checkpointer.start();
      assert.equal(await checkpointer.checkpoint(), undefined);

      const entry = { kind: 'admin', requestId: 'r', actor: { admin: 'ops' }, decision: 'none', policyIds: [], status: 'ok', durationMs: 0 } as const;
      await Promise.all([writer.record(entry), writer.record(entry), writer.record(entry)]);
      const first = await checkpointer.checkpoint();
      assert.equal(first?.seq, 3);
      assert.equal(first?.headHash, (await t.store.auditHead()).hash);
      assert.equal(first?.keyId, keys.signing.keyId);
      assert.equal(checkpointSignatureValid(first!, keys.signing.publicKeyPem), true);
      assert.equal(await checkpointer.checkpoint(), undefined);

      await writer.record(entry);
      await writer.close();
      await checkpointer.close();
      const all = await t.store.listCheckpoints();
      assert.deepEqual(all.map((c) => c.seq), [3, 4]);
      for (const c of all) assert.equal(checkpointSignatureValid(c, keys.signing.publicKeyPem), true);
      // A restarted checkpointer knows what was already signed.
      assert.equal(await new Checkpointer(t.store, keys, { intervalMs: 1000 }).checkpoint(), undefined);
    } finally {
      await t.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('signs the documented message, and any change breaks the signature', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cp-'));
    try {
      const keys = await openAuditKeys({ stateDir: dir, hmacKey: undefined, store: { putAuditKey: async () => undefined } });
      const row = signCheckpoint(keys.signing, { seq: 7, hash: 'a'.repeat(64) }, '2026-01-01T00:00:00.000Z');
      assert.equal(checkpointMessage(7, 'a'.repeat(64), '2026-01-01T00:00:00.000Z'),
        `gatehouse-audit-checkpoint:v1:7:${'a'.repeat(64)}:2026-01-01T00:00:00.000Z`);
      assert.equal(checkpointSignatureValid(row, keys.signing.publicKeyPem), true);
      assert.equal(checkpointSignatureValid({ ...row, seq: 8 }, keys.signing.publicKeyPem), false);
      assert.equal(checkpointSignatureValid({ ...row, headHash: 'b'.repeat(64) }, keys.signing.publicKeyPem), false);
      assert.equal(checkpointSignatureValid({ ...row, createdAt: '2026-01-01T00:00:01.000Z' }, keys.signing.publicKeyPem), false);
      assert.equal(checkpointSignatureValid({ ...row, signature: 'not base64!' }, keys.signing.publicKeyPem), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
