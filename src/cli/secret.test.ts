/**
 * `gatehouse secret set|list|delete` through the real binary on the store under test: values are
 * taken from stdin only, never appear in output, errors, `audit tail --json` or the stored audit
 * rows, and a running resolver sees a rotation made by the CLI without a restart.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freshStoreUrl } from '../../test/support/stores.js';
import { Secret } from '../config/secret.js';
import { GatehouseError } from '../errors/catalog.js';
import { MasterKey, MASTER_KEY_ENV } from '../secrets/master-key.js';
import { StoreSecretResolver } from '../secrets/store-secret-resolver.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { Io } from './io.js';
import { secretSet, type SecretInput } from './secret.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));
const KEY = randomBytes(32);
const unique = (label: string) => `${label}-${randomBytes(16).toString('base64url')}`;
const V1 = unique('crm-pass-1');
const V2 = unique('crm-pass-2');
const ARGV_VALUE = unique('argv-pass');
const TTY_VALUE = unique('tty-pass');
const VALUES = [V1, V2, ARGV_VALUE, TTY_VALUE];

interface Run { status: number; stdout: string; stderr: string }

describe(`gatehouse secret (${process.env.GATEHOUSE_TEST_STORE ?? 'sqlite'})`, () => {
  let dir: string;
  let url: string;
  let drop: () => Promise<void>;
  let store: Store;
  const outputs: string[] = [];

  const gatehouse = (args: string[], input = '', env: Record<string, string> = { [MASTER_KEY_ENV]: KEY.toString('base64') }): Run => {
    const result = spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir, encoding: 'utf8', input, timeout: 60_000, env: { ...process.env, [MASTER_KEY_ENV]: '', ...env },
    });
    outputs.push(result.stdout, result.stderr);
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-secret-cli-'));
    const fresh = freshStoreUrl();
    url = fresh.url;
    drop = fresh.drop;
    assert.equal(gatehouse(['init'], '').status, 0);
    const config = join(dir, 'gatehouse.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^store: .*$/m, `store: ${url}`));
    store = await openStore(url);
  });
  after(async () => {
    await store.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets a secret from stdin; a running resolver sees the CLI rotation after its TTL', async () => {
    const first = gatehouse(['secret', 'set', 'crm-db', '--json'], `${V1}\n`);
    assert.equal(first.status, 0, first.stderr);
    const key = new MasterKey(KEY, 'test');
    assert.deepEqual(JSON.parse(first.stdout), { name: 'crm-db', version: 1, keyId: key.id });

    let now = 0;
    const resolver = new StoreSecretResolver({ store, masterKey: key, ttlMs: 5_000, now: () => now });
    const ref = new Secret('${secret:crm-db}', 'store', 'crm-db');
    assert.deepEqual(await resolver.resolveVersioned(ref), { value: V1, version: 1 }, 'one trailing newline is stripped');

    const second = gatehouse(['secret', 'set', 'crm-db'], V2);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /version 2/);
    assert.equal(await resolver.resolve(ref), V1);
    now += 5_000;
    assert.deepEqual(await resolver.resolveVersioned(ref), { value: V2, version: 2 });
    resolver.close();
  });

  it('lists names, versions and key ids, never values', () => {
    const listed = gatehouse(['secret', 'list', '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as Record<string, unknown>[];
    assert.deepEqual(rows.map((r) => [r.name, r.version, r.keyId, r.currentKey]), [['crm-db', 2, new MasterKey(KEY, 't').id, true]]);
    assert.deepEqual(Object.keys(rows[0] ?? {}).sort(), ['createdAt', 'currentKey', 'keyId', 'name', 'updatedAt', 'version']);
    const text = gatehouse(['secret', 'list'], '', {});
    assert.equal(text.status, 0, 'listing needs no master key');
    assert.match(text.stdout, /crm-db\s+2\s+[0-9a-f]{16}/);
  });

  it('refuses a value given as an argument or option, without echoing it or storing anything', async () => {
    for (const args of [['crm-db', ARGV_VALUE], ['crm-db', `--value=${ARGV_VALUE}`], ['crm-db', '--value', ARGV_VALUE], [ARGV_VALUE]]) {
      const refused = gatehouse(['secret', 'set', ...args], V1);
      assert.equal(refused.status, 2, `secret set ${args.join(' ')}`);
      assert.match(refused.stderr, /USAGE/);
    }
    assert.equal((await store.getSecret('crm-db'))?.version, 2);
  });

  it('refuses empty input, bad names and a missing master key', () => {
    const empty = gatehouse(['secret', 'set', 'empty'], '\n');
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /No value for secret empty/);
    const badName = gatehouse(['secret', 'set', 'Bad Name'], V1);
    assert.equal(badName.status, 2);
    assert.doesNotMatch(badName.stderr, /Bad Name/);
    const noKey = gatehouse(['secret', 'set', 'crm-db'], V1, {});
    assert.equal(noKey.status, 2);
    assert.match(noKey.stderr, /MASTER_KEY_MISSING/);
  });

  it('takes the master key from secrets.master_key_file, refusing a file others can read', () => {
    const keyFile = join(dir, 'master.key');
    writeFileSync(keyFile, `${KEY.toString('hex')}\n`);
    chmodSync(keyFile, 0o600);
    const config = join(dir, 'with-key-file.yaml');
    writeFileSync(config, `${readFileSync(join(dir, 'gatehouse.yaml'), 'utf8')}\nsecrets:\n  master_key_file: ./master.key\n`);
    const set = gatehouse(['secret', 'set', 'from-file', '-c', config], V1, {});
    assert.equal(set.status, 0, set.stderr);
    if (process.platform !== 'win32') {
      chmodSync(keyFile, 0o644);
      const refused = gatehouse(['secret', 'set', 'from-file', '-c', config], V2, {});
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /MASTER_KEY_MISSING.*group or others/);
    }
    assert.equal(gatehouse(['secret', 'delete', 'from-file', '-c', config]).status, 0);
  });

  it('reads a typed value twice at a hidden prompt and refuses a mismatch', async () => {
    let err = '';
    const io: Io = { out: () => {}, err: (t) => { err += t; } };
    const typed = (answers: string[]): SecretInput => ({
      isTTY: true,
      readAll: () => Promise.reject(new Error('not piped')),
      readHidden: (prompt, out) => { out.err(prompt); return Promise.resolve(answers.shift() ?? ''); },
    });
    const config = join(dir, 'gatehouse.yaml');
    const previous = process.env[MASTER_KEY_ENV];
    process.env[MASTER_KEY_ENV] = KEY.toString('base64');
    try {
      assert.equal(await secretSet(io, typed([TTY_VALUE, TTY_VALUE]))({ config, args: ['typed'] }), 0);
      await assert.rejects(secretSet(io, typed([TTY_VALUE, `${TTY_VALUE}x`]))({ config, args: ['typed'] }),
        (e: unknown) => e instanceof GatehouseError && e.code === 'USAGE' && !e.message.includes(TTY_VALUE));
    } finally {
      if (previous === undefined) delete process.env[MASTER_KEY_ENV];
      else process.env[MASTER_KEY_ENV] = previous;
    }
    assert.match(err, /input hidden/);
    assert.ok(!err.includes(TTY_VALUE));
    assert.equal((await store.getSecret('typed'))?.version, 1);
  });

  it('deletes secrets and refuses an unknown name', () => {
    assert.equal(gatehouse(['secret', 'delete', 'typed']).status, 0);
    const deleted = gatehouse(['secret', 'delete', 'crm-db', '--json']);
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.deepEqual(JSON.parse(deleted.stdout), { name: 'crm-db', deleted: true });
    const again = gatehouse(['secret', 'delete', 'crm-db']);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /SECRET_NOT_FOUND/);
  });

  it('audits every change by name, and no value appears in output, audit tail, audit rows or the database file', async () => {
    const tail = gatehouse(['audit', 'tail', '-n', '100', '--json']);
    assert.equal(tail.status, 0, tail.stderr);
    const records = (JSON.parse(tail.stdout) as { record: { action?: string; target?: string } }[]).map((r) => r.record);
    assert.deepEqual(records.filter((r) => r.action?.startsWith('secret_')).map((r) => `${r.action} ${r.target}`), [
      'secret_set crm-db', 'secret_set crm-db', 'secret_set from-file', 'secret_delete from-file',
      'secret_set typed', 'secret_delete typed', 'secret_delete crm-db',
    ]);
    assert.equal(gatehouse(['audit', 'verify']).status, 0);

    const rows = JSON.stringify(await store.readAudit({ limit: 1_000 }));
    const stored = url.startsWith('sqlite:')
      ? ['', '-wal'].map((suffix) => `${url.slice('sqlite:'.length)}${suffix}`).filter(existsSync).map((f) => readFileSync(f).toString('latin1'))
      : [];
    for (const value of VALUES) {
      for (const text of [...outputs, rows, ...stored]) assert.ok(!text.includes(value), 'a secret value leaked');
    }
  });
});
