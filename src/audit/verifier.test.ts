/**
 * Tamper tests: write a real chain through the writer, alter the database underneath with raw SQL
 * (as an attacker with database access would), and check that verification names the first bad
 * record with the right kind. Runs on the store under test (GATEHOUSE_TEST_STORE).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openTestStore, type TestStore } from '../../test/support/stores.js';
import type { AuditEntry } from './audit-entry.js';
import { openAuditKeys, type AuditKeys } from './audit-keys.js';
import { chainHash, newAuditRecordId, serializeAuditBody } from './audit-record.js';
import { AuditWriter } from './audit-writer.js';
import { Checkpointer } from './checkpointer.js';
import { verifyAuditChain, verifyStore } from './verifier.js';

type Row = Record<string, unknown>;

/** A second, raw connection to the same database: the attacker's. Placeholders are `?`. */
async function rawDb(url: string): Promise<{ run(sql: string, params?: unknown[]): Promise<Row[]>; close(): Promise<void> }> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    return {
      run: async (sql, params = []) => {
        const stmt = db.prepare(sql);
        return stmt.reader ? (stmt.all(...params) as Row[]) : (stmt.run(...params), []);
      },
      close: async () => { db.close(); },
    };
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  if (schema !== null) await client.query(`SET search_path TO ${schema}`);
  return {
    run: async (sql, params = []) => {
      let n = 0;
      return (await client.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as Row[];
    },
    close: async () => { await client.end(); },
  };
}

function sampleEntry(i: number): AuditEntry {
  return {
    kind: 'tool_call', requestId: `req-${i}`, actor: { agent: 'support-bot', keyId: 'k1', user: 'alice' },
    action: 'read', tool: 'docs.read', connector: 'docs', target: `handbook/page-${i}.md`, decision: 'allow',
    policyIds: ['policy0'], status: 'ok', summary: `read ${i}`, durationMs: i,
  };
}

interface Fixture {
  readonly t: TestStore;
  readonly keys: AuditKeys;
  readonly ids: string[];
  readonly stateDir: string;
  readonly db: Awaited<ReturnType<typeof rawDb>>;
  cleanup(): Promise<void>;
}

/** A store with `n` records, a checkpoint at the head, and a raw connection to tamper with. */
async function chain(n: number, options: { checkpoint?: boolean } = {}): Promise<Fixture> {
  const t = await openTestStore();
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-'));
  const keys = await openAuditKeys({ stateDir, hmacKey: undefined, store: t.store });
  const writer = new AuditWriter(t.store, keys, { contentMode: 'hashed' });
  const ids: string[] = [];
  // One at a time, so record i has seq i + 1.
  for (let i = 0; i < n; i++) ids.push(await writer.record(sampleEntry(i), { arguments: { path: `p${i}` } }));
  await writer.close();
  if (options.checkpoint !== false) await new Checkpointer(t.store, keys, { intervalMs: 60_000 }).close();
  const db = await rawDb(t.url);
  return {
    t, keys, ids, stateDir, db,
    cleanup: async () => {
      await db.close();
      await t.cleanup();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

async function renumber(db: Fixture['db'], fromSeq: number, by: number): Promise<void> {
  // Two steps, so the primary key never collides mid-update.
  await db.run('UPDATE audit_records SET seq = -seq WHERE seq >= ?', [fromSeq]);
  await db.run('UPDATE audit_records SET seq = ? - seq WHERE seq < 0', [by]);
}

async function setHeadToLast(db: Fixture['db']): Promise<void> {
  const [last] = await db.run('SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1');
  await db.run('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [Number(last?.seq), String(last?.hash)]);
}

async function rowAt(db: Fixture['db'], seq: number): Promise<{ id: string; body: string; prevHash: string; hash: string }> {
  const [r] = await db.run('SELECT id, body, prev_hash, hash FROM audit_records WHERE seq = ?', [seq]);
  assert.ok(r, `row ${seq} exists`);
  return { id: String(r.id), body: String(r.body), prevHash: String(r.prev_hash), hash: String(r.hash) };
}

describe(`audit verifier on real tampering (${process.env.GATEHOUSE_TEST_STORE ?? 'sqlite'})`, () => {
  it('accepts an untouched chain with its checkpoint', async () => {
    const f = await chain(12);
    try {
      const report = await verifyStore(f.t.store);
      assert.equal(report.ok, true, JSON.stringify(report.problem));
      assert.equal(report.recordsChecked, 12);
      assert.equal(report.checkpointsChecked, 1);
      assert.equal(report.latestCheckpointSeq, 12);
      // A small page size exercises paging.
      assert.equal((await verifyStore(f.t.store, { pageSize: 5 })).ok, true);
    } finally {
      await f.cleanup();
    }
  });

  it('names an edited body as edited', async () => {
    const f = await chain(10);
    try {
      const row = await rowAt(f.db, 6);
      await f.db.run('UPDATE audit_records SET body = ? WHERE seq = 6', [row.body.replace('"allow"', '"deny"')]);
      const report = await verifyStore(f.t.store);
      assert.equal(report.ok, false);
      assert.deepEqual(pick(report.problem), { kind: 'edited', seq: 6, id: f.ids[5] });
      assert.equal(report.recordsChecked, 5);
    } finally {
      await f.cleanup();
    }
  });

  it('names a rewritten and re-hashed record as edited', async () => {
    const f = await chain(10);
    try {
      const row = await rowAt(f.db, 4);
      const body = row.body.replace('"allow"', '"deny"');
      await f.db.run('UPDATE audit_records SET body = ?, hash = ? WHERE seq = 4', [body, chainHash(row.prevHash, 4, body)]);
      assert.deepEqual(pick((await verifyStore(f.t.store)).problem), { kind: 'edited', seq: 4, id: f.ids[3] });
    } finally {
      await f.cleanup();
    }
  });

  it('names a changed id column as edited', async () => {
    const f = await chain(5);
    try {
      await f.db.run('UPDATE audit_records SET id = ? WHERE seq = 2', [newAuditRecordId()]);
      assert.equal((await verifyStore(f.t.store)).problem?.kind, 'edited');
      assert.equal((await verifyStore(f.t.store)).problem?.seq, 2);
    } finally {
      await f.cleanup();
    }
  });

  it('names a deleted middle record as deleted', async () => {
    const f = await chain(10);
    try {
      await f.db.run('DELETE FROM audit_records WHERE seq = 5');
      assert.deepEqual(pick((await verifyStore(f.t.store)).problem), { kind: 'deleted', seq: 5, id: undefined });
    } finally {
      await f.cleanup();
    }
  });

  it('names a deletion that renumbered later records as deleted', async () => {
    const f = await chain(10);
    try {
      await f.db.run('DELETE FROM audit_records WHERE seq = 5');
      await renumber(f.db, 6, -1);
      await setHeadToLast(f.db);
      assert.deepEqual(pick((await verifyStore(f.t.store)).problem), { kind: 'deleted', seq: 5, id: undefined });
    } finally {
      await f.cleanup();
    }
  });

  it('names a forged record inserted with a valid-looking link as inserted', async () => {
    const f = await chain(10);
    try {
      const prev = await rowAt(f.db, 4);
      await renumber(f.db, 5, 1);
      const forgedId = newAuditRecordId();
      const forged = (await rowAt(f.db, 6)).body.replace(f.ids[4] as string, forgedId).replace('"read 4"', '"nothing to see"');
      await f.db.run(`INSERT INTO audit_records (seq, id, time, request_id, agent, connector, outcome, body, prev_hash, hash)
        VALUES (5, ?, '2020-01-01T00:00:00.000Z', 'forged', 'support-bot', 'docs', 'ok', ?, ?, ?)`,
      [forgedId, forged, prev.hash, chainHash(prev.hash, 5, forged)]);
      await setHeadToLast(f.db);
      assert.deepEqual(pick((await verifyStore(f.t.store)).problem), { kind: 'inserted', seq: 5, id: forgedId });
    } finally {
      await f.cleanup();
    }
  });

  it('names a forged record with a made-up hash as inserted', async () => {
    const f = await chain(10);
    try {
      await renumber(f.db, 3, 1);
      const forgedId = newAuditRecordId();
      await f.db.run(`INSERT INTO audit_records (seq, id, time, request_id, agent, connector, outcome, body, prev_hash, hash)
        VALUES (3, ?, '2020-01-01T00:00:00.000Z', 'forged', NULL, NULL, 'ok', '{}', ?, ?)`, [forgedId, 'a'.repeat(64), 'b'.repeat(64)]);
      assert.deepEqual(pick((await verifyStore(f.t.store)).problem), { kind: 'inserted', seq: 3, id: forgedId });
    } finally {
      await f.cleanup();
    }
  });

  it('names a record appended outside the gateway, past the chain head, as inserted', async () => {
    const f = await chain(6, { checkpoint: false });
    try {
      const last = await rowAt(f.db, 6);
      const body = last.body.replace(f.ids[5] as string, newAuditRecordId());
      await f.db.run(`INSERT INTO audit_records (seq, id, time, request_id, agent, connector, outcome, body, prev_hash, hash)
        VALUES (7, ?, '2020-01-01T00:00:00.000Z', 'forged', NULL, NULL, 'ok', ?, ?, ?)`, [JSON.parse(body).id, body, last.hash, chainHash(last.hash, 7, body)]);
      assert.deepEqual(pick((await verifyStore(f.t.store)).problem), { kind: 'inserted', seq: 7, id: JSON.parse(body).id });
    } finally {
      await f.cleanup();
    }
  });

  for (const [a, b] of [[4, 5], [3, 8]] as const) {
    it(`names swapped records ${a} and ${b} as reordered`, async () => {
      const f = await chain(10);
      try {
        await f.db.run('UPDATE audit_records SET seq = -1 WHERE seq = ?', [a]);
        await f.db.run('UPDATE audit_records SET seq = ? WHERE seq = ?', [a, b]);
        await f.db.run('UPDATE audit_records SET seq = ? WHERE seq = -1', [b]);
        assert.deepEqual(pick((await verifyStore(f.t.store)).problem), { kind: 'reordered', seq: a, id: f.ids[b - 1] });
      } finally {
        await f.cleanup();
      }
    });
  }

  it('names the newest records deleted after a checkpoint as truncated', async () => {
    const f = await chain(10);
    try {
      await f.db.run('DELETE FROM audit_records WHERE seq > 7');
      await setHeadToLast(f.db);
      const report = await verifyStore(f.t.store);
      assert.deepEqual(pick(report.problem), { kind: 'truncated', seq: 8, id: undefined });
      assert.equal(report.recordsChecked, 7);
    } finally {
      await f.cleanup();
    }
  });

  it('names a truncation that left the chain head alone as truncated, without checkpoints', async () => {
    const f = await chain(6, { checkpoint: false });
    try {
      await f.db.run('DELETE FROM audit_records WHERE seq = 6');
      assert.deepEqual(pick((await verifyStore(f.t.store)).problem), { kind: 'truncated', seq: 6, id: undefined });
    } finally {
      await f.cleanup();
    }
  });

  it('catches a chain rewritten from the start with recomputed hashes, via the signed checkpoint', async () => {
    const f = await chain(6);
    try {
      let prev = '0'.repeat(64);
      for (let seq = 1; seq <= 6; seq++) {
        const row = await rowAt(f.db, seq);
        const body = seq === 3 ? row.body.replace('"allow"', '"deny"') : row.body;
        const hash = chainHash(prev, seq, body);
        await f.db.run('UPDATE audit_records SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?', [body, prev, hash, seq]);
        prev = hash;
      }
      await setHeadToLast(f.db);
      const problem = (await verifyStore(f.t.store)).problem;
      assert.equal(problem?.kind, 'edited');
      assert.equal(problem?.seq, 1);
      assert.match(problem?.detail ?? '', /checkpoint 6/);
    } finally {
      await f.cleanup();
    }
  });

  it('names a tampered checkpoint signature as bad_checkpoint_signature', async () => {
    const f = await chain(5);
    try {
      const [cp] = await f.db.run('SELECT signature FROM audit_checkpoints');
      const sig = Buffer.from(String(cp?.signature), 'base64');
      sig[0] = (sig[0] ?? 0) ^ 0xff;
      await f.db.run('UPDATE audit_checkpoints SET signature = ?', [sig.toString('base64')]);
      assert.deepEqual(pick((await verifyStore(f.t.store)).problem), { kind: 'bad_checkpoint_signature', seq: 5, id: undefined });
    } finally {
      await f.cleanup();
    }
  });

  it('names a checkpoint by an unpublished key as unknown_key, and honours a trusted key', async () => {
    const f = await chain(5);
    try {
      assert.equal((await verifyStore(f.t.store, { trustedKeys: [f.keys.signing] })).ok, true);
      const other = mkdtempSync(join(tmpdir(), 'gatehouse-audit-other-'));
      try {
        const stranger = await openAuditKeys({ stateDir: other, hmacKey: undefined, store: { putAuditKey: async () => undefined } });
        const report = await verifyStore(f.t.store, { trustedKeys: [stranger.signing] });
        assert.deepEqual(pick(report.problem), { kind: 'unknown_key', seq: 5, id: undefined });
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
      await f.db.run('UPDATE audit_checkpoints SET key_id = ?', ['0123456789abcdef']);
      assert.equal((await verifyStore(f.t.store)).problem?.kind, 'unknown_key');
    } finally {
      await f.cleanup();
    }
  });
});

describe('audit verifier over plain rows', () => {
  let rows: { seq: number; id: string; body: string; prevHash: string; hash: string }[] = [];
  before(() => {
    let prev = '0'.repeat(64);
    rows = Array.from({ length: 6 }, (_, i) => {
      const id = newAuditRecordId();
      const body = serializeAuditBody({ v: 1, id, time: new Date().toISOString(), content: 'hashed', ...sampleEntry(i) });
      const hash = chainHash(prev, i + 1, body);
      const row = { seq: i + 1, id, body, prevHash: prev, hash };
      prev = hash;
      return row;
    });
  });

  it('reports an empty chain as ok', async () => {
    const report = await verifyAuditChain({ records: [], checkpoints: [], keys: [] });
    assert.equal(report.ok, true);
    assert.equal((await verifyAuditChain({ records: rows, checkpoints: [], keys: [] })).ok, true);
    assert.equal(report.lastSeq, 0);
  });

  it('names lines out of order and duplicated lines', async () => {
    const swapped = [rows[0], rows[2], rows[1], ...rows.slice(3)].filter((r) => r !== undefined);
    assert.equal((await verifyAuditChain({ records: swapped, checkpoints: [], keys: [] })).problem?.kind, 'reordered');
    const dup = [rows[0], rows[1], rows[1], ...rows.slice(2)].filter((r) => r !== undefined);
    assert.equal((await verifyAuditChain({ records: dup, checkpoints: [], keys: [] })).problem?.kind, 'inserted');
  });
});

function pick(problem: { kind: string; seq: number; id?: string } | undefined): { kind?: string; seq?: number; id?: string } {
  return { kind: problem?.kind, seq: problem?.seq, id: problem?.id };
}
