/** AES-256-GCM sealing: round trip, fresh nonces, and every kind of tampering refused without leaking the value. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { GatehouseError } from '../errors/catalog.js';
import { MasterKey } from './master-key.js';
import { MAX_SECRET_BYTES, openSecret, sealSecret, type SealedSecret } from './secret-box.js';

const VALUE = 'pg-password-Zq8!x€-ünïcode';
const key = new MasterKey(randomBytes(32), 'test');

/** Assert `fn` throws SECRET_UNAVAILABLE naming `name`, with the value nowhere in message, details, JSON or inspect. */
function assertUnavailable(fn: () => unknown, name: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.code, 'SECRET_UNAVAILABLE');
    assert.match(err.message, new RegExp(`Secret ${name}\\b`));
    for (const text of [err.message, JSON.stringify(err.details), inspect(err, { depth: 5 }), String(err.cause)]) {
      assert.ok(!text.includes(VALUE), 'the value leaked into the error');
    }
    return true;
  });
}

const flipFirstByte = (b64: string): string => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
};

describe('secret box', () => {
  it('round-trips a value and stores no plaintext', () => {
    const sealed = sealSecret(key, 'crm-db', VALUE);
    assert.equal(sealed.keyId, key.id);
    assert.equal(Buffer.from(sealed.nonce, 'base64').length, 12);
    assert.equal(Buffer.from(sealed.tag, 'base64').length, 16);
    assert.ok(!JSON.stringify(sealed).includes(VALUE));
    assert.ok(!Buffer.from(sealed.ciphertext, 'base64').includes(Buffer.from(VALUE)));
    assert.equal(openSecret(key, 'crm-db', sealed), VALUE);
  });

  it('draws a fresh nonce for every encryption', () => {
    const a = sealSecret(key, 'crm-db', VALUE);
    const b = sealSecret(key, 'crm-db', VALUE);
    assert.notEqual(a.nonce, b.nonce);
    assert.notEqual(a.ciphertext, b.ciphertext);
  });

  it('refuses a ciphertext opened under another name (swapped rows)', () => {
    assertUnavailable(() => openSecret(key, 'billing-api', sealSecret(key, 'crm-db', VALUE)), 'billing-api');
  });

  it('refuses a different master key, naming both key ids', () => {
    const other = new MasterKey(randomBytes(32), 'other');
    const sealed = sealSecret(key, 'crm-db', VALUE);
    assertUnavailable(() => openSecret(other, 'crm-db', sealed), 'crm-db');
    assert.throws(() => openSecret(other, 'crm-db', sealed), new RegExp(`${key.id}.*${other.id}`));
    // A forged key id does not help: authentication still fails.
    assertUnavailable(() => openSecret(other, 'crm-db', { ...sealed, keyId: other.id }), 'crm-db');
  });

  it('refuses any altered part', () => {
    const sealed = sealSecret(key, 'crm-db', VALUE);
    const altered: SealedSecret[] = [
      { ...sealed, ciphertext: flipFirstByte(sealed.ciphertext) },
      { ...sealed, tag: flipFirstByte(sealed.tag) },
      { ...sealed, nonce: flipFirstByte(sealed.nonce) },
      { ...sealed, tag: Buffer.from(sealed.tag, 'base64').subarray(0, 8).toString('base64') },
      { ...sealed, nonce: '' },
      { ...sealed, ciphertext: `${sealed.ciphertext}AAAA` },
    ];
    for (const bad of altered) assertUnavailable(() => openSecret(key, 'crm-db', bad), 'crm-db');
  });

  it('refuses empty and oversized values without echoing them', () => {
    assert.throws(() => sealSecret(key, 'crm-db', ''), { code: 'USAGE' });
    const big = 'x'.repeat(MAX_SECRET_BYTES + 1);
    assert.throws(() => sealSecret(key, 'crm-db', big), (err: GatehouseError) => err.code === 'USAGE' && !err.message.includes(big));
  });
});
