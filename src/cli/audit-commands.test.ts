/** The audit CLI commands, run in-process against a real store with a captured Io. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openAuditKeys, type AuditKeys } from '../audit/audit-keys.js';
import { AuditWriter } from '../audit/audit-writer.js';
import { Checkpointer } from '../audit/checkpointer.js';
import { openTestStore, type TestStore } from '../../test/support/stores.js';
import { auditExport } from './audit-export.js';
import { auditShow } from './audit-show.js';
import { auditTail } from './audit-tail.js';
import { auditVerify } from './audit-verify.js';
import type { Io } from './io.js';

function capture(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => { out += t; }, err: (t) => { err += t; }, stdout: () => out, stderr: () => err };
}

async function rawUpdate(url: string, sql: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    db.exec(sql);
    db.close();
    return;
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') as string;
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${schema}; ${sql}`);
  } finally {
    await client.end();
  }
}

describe(`audit CLI commands (${process.env.GATEHOUSE_TEST_STORE ?? 'sqlite'})`, () => {
  let t: TestStore;
  let dir: string;
  let keys: AuditKeys;
  const ids: string[] = [];

  before(async () => {
    t = await openTestStore();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-audit-'));
    keys = await openAuditKeys({ stateDir: dir, hmacKey: undefined, store: t.store });
    const writer = new AuditWriter(t.store, keys, { contentMode: 'hashed' });
    for (let i = 0; i < 5; i++) {
      ids.push(await writer.record({
        kind: 'tool_call', requestId: `r${i}`, actor: { agent: 'bot', user: 'alice' }, action: 'read', connector: 'docs',
        target: `doc-${i}\u001b[31m.md`, decision: i === 4 ? 'deny' : 'allow', policyIds: ['p1'], status: i === 4 ? 'denied' : 'ok',
        ...(i === 4 ? { errorCode: 'POLICY_DENIED' } : {}), durationMs: 2,
      }, { arguments: { path: `doc-${i}` } }));
    }
    await writer.close();
    await new Checkpointer(t.store, keys, { intervalMs: 60_000 }).close();
  });
  after(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tail prints the newest records as a table and as JSON, without terminal escapes', async () => {
    const io = capture();
    assert.equal(await auditTail({ store: t.store, json: false, limit: 2 }, io), 0);
    const lines = io.stdout().trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^SEQ\s+TIME\s+ID/);
    assert.match(lines[2] ?? '', /POLICY_DENIED/);
    assert.equal(io.stdout().includes('\u001b'), false);
    const json = capture();
    assert.equal(await auditTail({ store: t.store, json: true, limit: 3 }, json), 0);
    const parsed = JSON.parse(json.stdout()) as { seq: number; record: { requestId: string } }[];
    assert.deepEqual(parsed.map((r) => r.seq), [3, 4, 5]);
    assert.equal(parsed[2]?.record.requestId, 'r4');
    assert.equal(await auditTail({ store: t.store, json: false, limit: 0 }, capture()), 2);
  });

  it('show prints one record, and exits 2 for an unknown id', async () => {
    const io = capture();
    assert.equal(await auditShow({ store: t.store, json: false, id: ids[1] as string }, io), 0);
    assert.match(io.stdout(), /request\s+r1/);
    assert.match(io.stdout(), /args hash\s+[0-9a-f]{64}/);
    const json = capture();
    assert.equal(await auditShow({ store: t.store, json: true, id: ids[1] as string }, json), 0);
    assert.equal((JSON.parse(json.stdout()) as { seq: number }).seq, 2);
    const missing = capture();
    assert.equal(await auditShow({ store: t.store, json: false, id: 'aud_nope' }, missing), 2);
    assert.match(missing.stderr(), /AUDIT_RECORD_NOT_FOUND/);
  });

  it('export then verify --file, with and without a trusted key', async () => {
    const file = join(dir, 'trail.jsonl');
    const io = capture();
    assert.equal(await auditExport({ store: t.store, format: 'jsonl', output: file }, io), 0);
    assert.match(io.stderr(), /Exported 5 records, 1 checkpoints/);
    const keyFile = join(dir, 'audit-public.pem');
    writeFileSync(keyFile, keys.signing.publicKeyPem);
    const verify = capture();
    assert.equal(await auditVerify({ json: false, file, publicKeyFile: keyFile }, verify), 0);
    assert.match(verify.stdout(), /intact/);
    assert.equal(await auditExport({ store: t.store, format: 'csv' }, capture()), 2);
    const stdout = capture();
    assert.equal(await auditExport({ store: t.store, format: 'jsonl' }, stdout), 0);
    assert.equal(stdout.stdout().trim().split('\n').length, 1 + 1 + 1 + 5 + 1);
    assert.equal(await auditVerify({ json: false, file: join(dir, 'missing.jsonl') }, capture()), 2);
    assert.equal(await auditVerify({ json: false, file, publicKeyFile: join(dir, 'missing.pem') }, capture()), 2);
  });

  it('verify exits 0 on an intact store and 1 naming the first edited record', async () => {
    const ok = capture();
    assert.equal(await auditVerify({ store: t.store, json: true }, ok), 0);
    assert.equal((JSON.parse(ok.stdout()) as { ok: boolean }).ok, true);
    await rawUpdate(t.url, "UPDATE audit_records SET body = replace(body, '\"r2\"', '\"rX\"') WHERE seq = 3");
    const bad = capture();
    assert.equal(await auditVerify({ store: t.store, json: false }, bad), 1);
    assert.match(bad.stdout(), new RegExp(`edited at seq 3 \\(${ids[2]}\\)`));
    const json = capture();
    assert.equal(await auditVerify({ store: t.store, json: true }, json), 1);
    assert.deepEqual((JSON.parse(json.stdout()) as { problem: unknown }).problem, {
      kind: 'edited', seq: 3, id: ids[2], detail: 'the record does not match its hash (body, hash or link was changed)',
    });
  });
});
