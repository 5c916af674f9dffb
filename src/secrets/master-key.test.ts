/** Master key loading: environment (base64, hex), key file (mode checked), missing and malformed keys. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { GatehouseError } from '../errors/catalog.js';
import { findMasterKey, loadMasterKey, MASTER_KEY_ENV, masterKeyId } from './master-key.js';

const RAW = randomBytes(32);
const ID = masterKeyId(RAW);
const NO_FILE = { secrets: {} };
const POSIX = process.platform !== 'win32';

/** The error is MASTER_KEY_MISSING and shows none of the key encodings. */
function assertKeyError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.code, 'MASTER_KEY_MISSING');
    assert.match(err.message, pattern);
    const text = `${err.message} ${JSON.stringify(err.details)} ${inspect(err)}`;
    for (const encoding of ['base64', 'hex', 'base64url'] as const) assert.ok(!text.includes(RAW.toString(encoding)));
    return true;
  });
}

describe('master key', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-mk-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const keyFile = (name: string, content: string | Buffer, mode: number): string => {
    const file = join(dir, name);
    writeFileSync(file, content);
    chmodSync(file, mode);
    return file;
  };

  it('reads GATEHOUSE_MASTER_KEY as base64, base64url or hex, with a stable id', () => {
    for (const text of [RAW.toString('base64'), RAW.toString('base64url'), RAW.toString('hex'), ` ${RAW.toString('hex').toUpperCase()}\n`]) {
      const key = loadMasterKey(NO_FILE, { [MASTER_KEY_ENV]: text });
      assert.equal(key.id, ID);
      assert.equal(key.origin, MASTER_KEY_ENV);
    }
    assert.match(ID, /^[0-9a-f]{16}$/);
  });

  it('never prints key material', () => {
    const key = loadMasterKey(NO_FILE, { [MASTER_KEY_ENV]: RAW.toString('base64') });
    for (const text of [String(key), JSON.stringify({ key }), inspect(key), inspect(key.keyObject())]) {
      assert.ok(!text.includes(RAW.toString('base64')) && !text.includes(RAW.toString('hex')));
    }
    assert.equal(String(key), `[master key ${ID}]`);
  });

  it('refuses malformed keys without echoing them', () => {
    assertKeyError(() => loadMasterKey(NO_FILE, { [MASTER_KEY_ENV]: RAW.subarray(0, 16).toString('base64') }), /not 32 bytes/);
    assertKeyError(() => loadMasterKey(NO_FILE, { [MASTER_KEY_ENV]: `${RAW.toString('hex')}00` }), /not 32 bytes/);
    assertKeyError(() => loadMasterKey(NO_FILE, { [MASTER_KEY_ENV]: 'correct horse battery staple' }), /GATEHOUSE_MASTER_KEY/);
  });

  it('reports a missing key, and find returns undefined when none is configured', () => {
    assertKeyError(() => loadMasterKey(NO_FILE, {}), /No master key/);
    assert.equal(findMasterKey(NO_FILE, { [MASTER_KEY_ENV]: '' }), undefined);
  });

  it('reads a private key file as raw bytes, base64 or hex', () => {
    for (const [name, content] of [['raw.key', RAW], ['b64.key', `${RAW.toString('base64')}\n`], ['hex.key', RAW.toString('hex')]] as const) {
      const file = keyFile(name, content, 0o600);
      const key = loadMasterKey({ secrets: { master_key_file: file } }, {});
      assert.equal(key.id, ID);
      assert.equal(key.origin, file);
    }
  });

  it('refuses a key file that group or others can access', { skip: POSIX ? false : 'file modes are POSIX only' }, () => {
    for (const mode of [0o644, 0o640, 0o604, 0o620]) {
      const file = keyFile(`open-${mode.toString(8)}.key`, RAW.toString('base64'), mode);
      assertKeyError(() => loadMasterKey({ secrets: { master_key_file: file } }, {}), /group or others.*chmod 600/);
    }
  });

  it('refuses a missing or malformed key file', () => {
    assertKeyError(() => loadMasterKey({ secrets: { master_key_file: join(dir, 'absent.key') } }, {}), /Cannot read/);
    assertKeyError(() => loadMasterKey({ secrets: { master_key_file: dir } }, {}), /Cannot read/);
    const short = keyFile('short.key', RAW.subarray(0, 31), 0o600);
    assertKeyError(() => loadMasterKey({ secrets: { master_key_file: short } }, {}), /not 32 bytes/);
  });

  it('prefers GATEHOUSE_MASTER_KEY over the key file', () => {
    const other = randomBytes(32);
    const file = keyFile('other.key', other.toString('base64'), 0o600);
    assert.equal(loadMasterKey({ secrets: { master_key_file: file } }, { [MASTER_KEY_ENV]: RAW.toString('base64') }).id, ID);
    assert.equal(loadMasterKey({ secrets: { master_key_file: file } }, {}).id, masterKeyId(other));
  });
});
