/**
 * Export → offline verify round trip: the file alone (plus, optionally, a trusted public key) is
 * enough to verify, and edits to the file are found like edits to the store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openTestStore, type TestStore } from '../../test/support/stores.js';
import { writeAuditExport, verifyAuditExport, readExportIndex } from './audit-export.js';
import { openAuditKeys, type AuditKeys } from './audit-keys.js';
import { AuditWriter } from './audit-writer.js';
import { Checkpointer } from './checkpointer.js';

describe(`audit export (${process.env.GATEHOUSE_TEST_STORE ?? 'sqlite'})`, () => {
  let t: TestStore;
  let dir: string;
  let keys: AuditKeys;
  let file: string;
  let lines: string[];

  before(async () => {
    t = await openTestStore();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-export-'));
    keys = await openAuditKeys({ stateDir: dir, hmacKey: undefined, store: t.store });
    const writer = new AuditWriter(t.store, keys, { contentMode: 'hashed' });
    const checkpointer = new Checkpointer(t.store, keys, { intervalMs: 60_000 });
    for (let i = 0; i < 8; i++) {
      await writer.record({ kind: 'tool_call', requestId: `r${i}`, actor: { agent: 'bot' }, decision: 'allow', policyIds: [], status: 'ok', durationMs: i, summary: `n${i}` });
      if (i === 3) await checkpointer.checkpoint();
    }
    await writer.close();
    await checkpointer.close();
    file = join(dir, 'export.jsonl');
    const out: string[] = [];
    const summary = await writeAuditExport(t.store, (line) => { out.push(line); });
    writeFileSync(file, `${out.join('\n')}\n`);
    lines = out;
    assert.equal(summary.records, 8);
    assert.equal(summary.checkpoints, 2);
  });
  after(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const tampered = (edit: (records: string[]) => string[]): string => {
    const head = lines.filter((l) => !l.includes('"type":"record"'));
    const records = lines.filter((l) => l.includes('"type":"record"'));
    const path = join(dir, `tampered-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(path, `${[...head, ...edit(records)].join('\n')}\n`);
    return path;
  };

  it('verifies offline from the file alone', async () => {
    const index = await readExportIndex(file);
    assert.equal(index.keys.length, 1);
    assert.equal(index.head?.seq, 8);
    const report = await verifyAuditExport(file);
    assert.equal(report.ok, true, JSON.stringify(report.problem));
    assert.equal(report.recordsChecked, 8);
    assert.equal(report.checkpointsChecked, 2);
    assert.equal((await verifyAuditExport(file, { trustedKeys: [keys.signing] })).ok, true);
  });

  it('finds an edited record in the file', async () => {
    const path = tampered((r) => r.map((l, i) => (i === 2 ? l.replace('n2', 'n9') : l)));
    const report = await verifyAuditExport(path);
    assert.equal(report.problem?.kind, 'edited');
    assert.equal(report.problem?.seq, 3);
  });

  it('finds deleted, reordered and cut-off lines', async () => {
    assert.equal((await verifyAuditExport(tampered((r) => r.filter((_, i) => i !== 4)))).problem?.kind, 'deleted');
    const swapped = await verifyAuditExport(tampered((r) => [r[0], r[2], r[1], ...r.slice(3)] as string[]));
    assert.equal(swapped.problem?.kind, 'reordered');
    assert.equal(swapped.problem?.seq, 2);
    const cut = await verifyAuditExport(tampered((r) => r.slice(0, 6)));
    assert.equal(cut.problem?.kind, 'truncated');
    assert.equal(cut.problem?.seq, 7);
  });

  it('refuses a forged key line when a trusted key is given', async () => {
    const other = mkdtempSync(join(tmpdir(), 'gatehouse-export-other-'));
    try {
      const stranger = await openAuditKeys({ stateDir: other, hmacKey: undefined, store: { putAuditKey: async () => undefined } });
      const report = await verifyAuditExport(file, { trustedKeys: [stranger.signing] });
      assert.equal(report.problem?.kind, 'unknown_key');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('reports malformed files with stable codes', async () => {
    const notExport = join(dir, 'not-export.jsonl');
    writeFileSync(notExport, '{"hello":1}\n');
    await assert.rejects(verifyAuditExport(notExport), { code: 'USAGE' });
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, `${readFileSync(file, 'utf8')}{not json\n`);
    await assert.rejects(verifyAuditExport(broken), { code: 'AUDIT_CHAIN_BROKEN' });
    await assert.rejects(verifyAuditExport(join(dir, 'missing.jsonl')), { code: 'USAGE' });
  });
});
