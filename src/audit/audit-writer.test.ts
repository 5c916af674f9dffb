/**
 * AuditWriter on the store under test: group commit, durability, content modes, and a commit that
 * really fails in the database (a trigger refuses the insert) rejecting the whole batch.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { GatehouseError } from '../errors/catalog.js';
import { openStore } from '../store/open-store.js';
import { openTestStore, type TestStore } from '../../test/support/stores.js';
import type { AuditEntry } from './audit-entry.js';
import { openAuditKeys, type AuditKeys } from './audit-keys.js';
import { canonicalJson, parseAuditBody } from './audit-record.js';
import { AuditWriter, type AuditWriterOptions } from './audit-writer.js';
import { verifyStore } from './verifier.js';

const MARKER = 'MARKER-7f3c-payroll-secret';

function entry(i: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    kind: 'tool_call', requestId: `req-${i}`, actor: { agent: 'bot', keyId: 'k1' }, action: 'search', tool: 'docs.search',
    connector: 'docs', decision: 'allow', policyIds: ['p1'], status: 'ok', summary: '2 hits', durationMs: 3, ...over,
  };
}

async function setup(options: Partial<AuditWriterOptions> = {}): Promise<{ t: TestStore; keys: AuditKeys; writer: AuditWriter; done(): Promise<void> }> {
  const t = await openTestStore();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-writer-'));
  const keys = await openAuditKeys({ stateDir: dir, hmacKey: undefined, store: t.store });
  const writer = new AuditWriter(t.store, keys, { contentMode: 'hashed', ...options });
  return {
    t, keys, writer,
    done: async () => {
      await writer.close();
      await t.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Make every insert into audit_records fail inside the database, or stop doing so. */
async function refuseInserts(url: string, refuse: boolean): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    db.exec(refuse
      ? "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
      : 'DROP TRIGGER refuse_audit');
    db.close();
    return;
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') as string;
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${schema}`);
    await client.query(refuse
      ? `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;
         CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records FOR EACH ROW EXECUTE FUNCTION refuse_audit();`
      : 'DROP TRIGGER refuse_audit ON audit_records; DROP FUNCTION refuse_audit();');
  } finally {
    await client.end();
  }
}

describe(`AuditWriter (${process.env.GATEHOUSE_TEST_STORE ?? 'sqlite'})`, () => {
  it('group-commits concurrent records: fewer commits than records, all durable, chain valid', async () => {
    const s = await setup();
    try {
      const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => s.writer.record(entry(i))));
      assert.equal(new Set(ids).size, 200);
      assert.equal(s.writer.stats.records, 200);
      assert.ok(s.writer.stats.commits < 200, `commits ${s.writer.stats.commits}`);
      // Durable means another connection sees every record once record() resolved.
      const other = await openStore(s.t.url);
      try {
        assert.equal((await other.auditHead()).seq, 200);
        for (const id of [ids[0], ids[99], ids[199]]) assert.ok(await other.findAudit(id as string));
      } finally {
        await other.close();
      }
      const report = await verifyStore(s.t.store);
      assert.equal(report.ok, true, JSON.stringify(report.problem));
      assert.equal(report.recordsChecked, 200);
    } finally {
      await s.done();
    }
  });

  it('keeps one valid chain when two writers (replicas) append to the same store at once', async () => {
    const s = await setup();
    const replica = await openStore(s.t.url);
    try {
      const second = new AuditWriter(replica, s.keys, { contentMode: 'hashed' });
      await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? s.writer : second).record(entry(i))));
      await second.close();
      assert.equal((await s.t.store.auditHead()).seq, 60);
      assert.equal((await verifyStore(s.t.store)).ok, true);
    } finally {
      await replica.close();
      await s.done();
    }
  });

  it('splits large bursts into batches of maxBatch and applies backpressure at maxQueue', async () => {
    const s = await setup({ maxBatch: 16, maxQueue: 20 });
    try {
      const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => s.writer.record(entry(i))));
      assert.equal(ids.length, 100);
      assert.ok(s.writer.stats.commits >= 7, `commits ${s.writer.stats.commits}`);
      assert.ok(s.writer.stats.commits < 100);
      assert.equal((await verifyStore(s.t.store)).ok, true);
    } finally {
      await s.done();
    }
  });

  it('keeps argument and result text out of hashed records, and stores keyed hashes', async () => {
    const s = await setup();
    try {
      const args = { query: `salary of ${MARKER}` };
      const result = { content: [{ type: 'text', text: `${MARKER} earns a lot` }] };
      const id = await s.writer.record(entry(1), { arguments: args, result });
      const row = await s.t.store.findAudit(id);
      assert.ok(row);
      assert.equal(row.body.includes(MARKER), false);
      const body = parseAuditBody(row.body);
      assert.equal(body.content, 'hashed');
      assert.equal(body.args, undefined);
      assert.equal(body.argsHash, createHmac('sha256', s.keys.hmacKey).update(canonicalJson(args)).digest('hex'));
      assert.equal(body.resultHash, createHmac('sha256', s.keys.hmacKey).update(canonicalJson(result)).digest('hex'));
      // Same content, same hash: a record can be matched against known content by whoever holds the key.
      const again = parseAuditBody((await s.t.store.findAudit(await s.writer.record(entry(2), { arguments: { query: `salary of ${MARKER}` } })))?.body ?? '');
      assert.equal(again.argsHash, body.argsHash);
    } finally {
      await s.done();
    }
  });

  it('stores content verbatim in full mode, configured or per record', async () => {
    const s = await setup({ contentMode: 'full' });
    try {
      const row = await s.t.store.findAudit(await s.writer.record(entry(1), { arguments: { q: MARKER }, result: { ok: MARKER } }));
      const body = parseAuditBody(row?.body ?? '');
      assert.equal(body.content, 'full');
      assert.deepEqual(body.args, { q: MARKER });
      assert.deepEqual(body.result, { ok: MARKER });
      const hashedRow = await s.t.store.findAudit(await s.writer.record(entry(2), { arguments: { q: MARKER }, mode: 'hashed' }));
      assert.equal(hashedRow?.body.includes(MARKER), false);
    } finally {
      await s.done();
    }
  });

  it('rejects every record of a failed commit with AUDIT_WRITE_FAILED, then recovers', async () => {
    const s = await setup();
    try {
      await s.writer.record(entry(0));
      await refuseInserts(s.t.url, true);
      const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => s.writer.record(entry(i + 1), { arguments: { q: MARKER } })));
      for (const r of settled) {
        assert.equal(r.status, 'rejected');
        const err = (r as PromiseRejectedResult).reason as unknown;
        assert.ok(err instanceof GatehouseError);
        assert.equal(err.code, 'AUDIT_WRITE_FAILED');
        assert.equal(err.message.includes(MARKER), false);
        assert.equal(err.message.includes('refused by test'), false);
      }
      assert.equal((await s.t.store.auditHead()).seq, 1);
      await refuseInserts(s.t.url, false);
      await s.writer.record(entry(9));
      assert.equal((await s.t.store.auditHead()).seq, 2);
      assert.equal((await verifyStore(s.t.store)).ok, true);
    } finally {
      await s.done();
    }
  });

  it('refuses content with no JSON form, and records after close', async () => {
    const s = await setup();
    try {
      await assert.rejects(s.writer.record(entry(1), { arguments: { n: 10n } }), { code: 'AUDIT_WRITE_FAILED' });
      await s.writer.close();
      await assert.rejects(s.writer.record(entry(2)), { code: 'AUDIT_WRITE_FAILED' });
      await s.writer.flush();
      assert.equal((await s.t.store.auditHead()).seq, 0);
    } finally {
      await s.done();
    }
  });
});
