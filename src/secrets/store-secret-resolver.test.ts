/**
 * StoreSecretResolver on the real store under test: round trip, failures that name the secret and
 * never the value, rotation by another store handle (as `gatehouse secret set` in another process)
 * visible after the TTL without a restart, shared reads, and rotation events.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { openTestStore, type TestStore } from '../../test/support/stores.js';
import { Secret } from '../config/secret.js';
import { GatehouseError } from '../errors/catalog.js';
import { createLogger } from '../ops/logger.js';
import { openStore } from '../store/open-store.js';
import type { SecretRepo, Store } from '../store/store.js';
import { MasterKey } from './master-key.js';
import { setStoreSecret, StoreSecretResolver, type SecretRotation } from './store-secret-resolver.js';

const V1 = `v1-${randomBytes(12).toString('base64url')}`;
const V2 = `v2-${randomBytes(12).toString('base64url')}`;
const ref = (name: string) => new Secret(`\${secret:${name}}`, 'store', name);

/** A manual clock, so TTL behaviour is tested without sleeping. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

/** Rejects with SECRET_UNAVAILABLE naming `name`; neither value appears in message, details or inspect. */
async function assertUnavailable(promise: Promise<unknown>, name: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.code, 'SECRET_UNAVAILABLE');
    assert.match(err.message, new RegExp(`Secret ${name.replace(/\./g, '\\.')}\\b`));
    if (pattern) assert.match(err.message, pattern);
    const text = `${err.message} ${JSON.stringify(err.details)} ${inspect(err, { depth: 8 })}`;
    assert.ok(!text.includes(V1) && !text.includes(V2), 'a secret value leaked into the error');
    return true;
  });
}

describe(`StoreSecretResolver (${process.env.GATEHOUSE_TEST_STORE ?? 'sqlite'})`, () => {
  let t: TestStore;
  let other: Store;
  const key = new MasterKey(randomBytes(32), 'test');

  before(async () => {
    t = await openTestStore();
    other = await openStore(t.url);
  });
  after(async () => {
    await other.close();
    await t.cleanup();
  });

  it('resolves environment secrets to their load-time value', async () => {
    const resolver = new StoreSecretResolver({ store: t.store, masterKey: undefined });
    const env = new Secret('${env:CRM}', 'env', 'CRM', V1);
    assert.equal(await resolver.resolve(env), V1);
    assert.deepEqual(await resolver.resolveVersioned(env), { value: V1, version: 0 });
  });

  it('round-trips a store secret and keeps only ciphertext in the store', async () => {
    assert.equal(await setStoreSecret(t.store, key, 'round.trip', V1), 1);
    const resolver = new StoreSecretResolver({ store: t.store, masterKey: key });
    assert.deepEqual(await resolver.resolveVersioned(ref('round.trip')), { value: V1, version: 1 });
    const row = await t.store.getSecret('round.trip');
    assert.ok(row !== undefined && !JSON.stringify(row).includes(V1));
    assert.ok(!inspect(resolver, { depth: 8, showHidden: true }).includes(V1));
  });

  it('fails with SECRET_UNAVAILABLE for missing, keyless, badly named and wrong-key secrets', async () => {
    await setStoreSecret(t.store, key, 'wrong-key', V1);
    const resolver = new StoreSecretResolver({ store: t.store, masterKey: key });
    await assertUnavailable(resolver.resolve(ref('absent')), 'absent', /is not set/);
    await assertUnavailable(resolver.resolve(ref('Upper_Case')), 'Upper_Case', /cannot exist/);
    await assertUnavailable(new StoreSecretResolver({ store: t.store, masterKey: undefined }).resolve(ref('wrong-key')), 'wrong-key', /no master key/);
    const otherKey = new MasterKey(randomBytes(32), 'other');
    await assertUnavailable(new StoreSecretResolver({ store: t.store, masterKey: otherKey }).resolve(ref('wrong-key')), 'wrong-key', new RegExp(otherKey.id));
  });

  it('refuses a tampered ciphertext and a ciphertext copied to another name', async () => {
    await setStoreSecret(t.store, key, 'victim', V1);
    const row = await t.store.getSecret('victim');
    assert.ok(row);
    const bytes = Buffer.from(row.ciphertext, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await t.store.putSecret({ ...row, name: 'tampered', ciphertext: bytes.toString('base64') });
    await t.store.putSecret({ ...row, name: 'copied' });
    const resolver = new StoreSecretResolver({ store: t.store, masterKey: key });
    await assertUnavailable(resolver.resolve(ref('tampered')), 'tampered', /altered or copied/);
    await assertUnavailable(resolver.resolve(ref('copied')), 'copied', /altered or copied/);
    assert.equal(await resolver.resolve(ref('victim')), V1);
  });

  it('reports an unreachable store as SECRET_UNAVAILABLE', async () => {
    const closed = await openStore(t.url);
    await closed.close();
    await assertUnavailable(new StoreSecretResolver({ store: closed, masterKey: key }).resolve(ref('victim')), 'victim', /cannot be read/);
  });

  it('sees a rotation made through another store handle after the TTL, without restart', async () => {
    const c = clock();
    await setStoreSecret(t.store, key, 'rotating', V1);
    const resolver = new StoreSecretResolver({ store: t.store, masterKey: key, ttlMs: 5_000, now: c.now });
    const rotations: SecretRotation[] = [];
    resolver.onRotate((r) => rotations.push(r));
    assert.equal(await resolver.resolve(ref('rotating')), V1);

    assert.equal(await setStoreSecret(other, key, 'rotating', V2), 2);
    c.advance(4_999);
    assert.equal(await resolver.resolve(ref('rotating')), V1, 'served from memory within the TTL');
    c.advance(1);
    assert.deepEqual(await resolver.resolveVersioned(ref('rotating')), { value: V2, version: 2 });
    assert.deepEqual(rotations, [{ name: 'rotating', previousVersion: 1, version: 2 }]);

    assert.equal(await other.deleteSecret('rotating'), true);
    c.advance(5_000);
    await assertUnavailable(resolver.resolve(ref('rotating')), 'rotating', /is not set/);
    assert.deepEqual(rotations.at(-1), { name: 'rotating', previousVersion: 2, version: undefined });

    await setStoreSecret(other, key, 'rotating', V1);
    assert.equal(await resolver.resolve(ref('rotating')), V1, 'a failed read is not cached');
    assert.deepEqual(rotations.at(-1), { name: 'rotating', previousVersion: undefined, version: 1 });
    assert.equal(rotations.length, 3);
  });

  it('shares one store read among concurrent resolves of a name', async () => {
    await setStoreSecret(t.store, key, 'shared', V1);
    let reads = 0;
    const counting: SecretRepo = {
      getSecret: (name) => { reads += 1; return t.store.getSecret(name); },
      putSecret: (row) => t.store.putSecret(row),
      listSecrets: () => t.store.listSecrets(),
      deleteSecret: (name) => t.store.deleteSecret(name),
    };
    const c = clock();
    const resolver = new StoreSecretResolver({ store: counting, masterKey: key, now: c.now });
    const values = await Promise.all(Array.from({ length: 20 }, () => resolver.resolve(ref('shared'))));
    assert.deepEqual(new Set(values), new Set([V1]));
    assert.equal(reads, 1);
    await resolver.resolve(ref('shared'));
    assert.equal(reads, 1, 'cached within the TTL');
    c.advance(5_000);
    await Promise.all([resolver.resolve(ref('shared')), resolver.resolve(ref('shared'))]);
    assert.equal(reads, 2);
  });

  it('refresh() re-reads every known secret, one outcome each, and listeners fire', async () => {
    await setStoreSecret(t.store, key, 'refresh-a', V1);
    await setStoreSecret(t.store, key, 'refresh-b', V1);
    const resolver = new StoreSecretResolver({ store: t.store, masterKey: key, ttlMs: 60_000 });
    await resolver.resolve(ref('refresh-a'));
    await resolver.resolve(ref('refresh-b'));
    const rotations: SecretRotation[] = [];
    const stop = resolver.onRotate((r) => rotations.push(r));
    await setStoreSecret(other, key, 'refresh-a', V2);
    await other.deleteSecret('refresh-b');
    const outcomes = await resolver.refresh();
    assert.deepEqual(outcomes.sort((x, y) => x.name.localeCompare(y.name)), [
      { name: 'refresh-a', ok: true, version: 2 },
      { name: 'refresh-b', ok: false, code: 'SECRET_UNAVAILABLE' },
    ]);
    assert.equal(await resolver.resolve(ref('refresh-a')), V2);
    assert.deepEqual(rotations.map((r) => [r.name, r.version]).sort(), [['refresh-a', 2], ['refresh-b', undefined]]);
    stop();
    await setStoreSecret(other, key, 'refresh-a', V1);
    await resolver.refresh();
    assert.equal(rotations.length, 2, 'unsubscribed listeners are not called');
    resolver.close();
  });

  it('watches known secrets on a timer and reports a failing listener by name only', async () => {
    await setStoreSecret(t.store, key, 'watched', V1);
    const lines: string[] = [];
    const resolver = new StoreSecretResolver({
      store: t.store, masterKey: key, ttlMs: 60_000, watchIntervalMs: 20, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
    });
    await resolver.resolve(ref('watched'));
    const seen = new Promise<SecretRotation>((resolve) => resolver.onRotate(resolve));
    resolver.onRotate(() => {
      throw new Error(`listener blew up holding ${V2}`);
    });
    await setStoreSecret(other, key, 'watched', V2);
    // The watch timer is unref'd (it never holds a process open); hold this one open until it fires.
    const keepAlive = setInterval(() => {}, 1_000);
    try {
      assert.deepEqual(await seen, { name: 'watched', previousVersion: 1, version: 2 });
    } finally {
      clearInterval(keepAlive);
      resolver.close();
    }
    assert.ok(lines.some((l) => l.includes('secret rotation listener failed') && l.includes('watched')));
    assert.ok(lines.every((l) => !l.includes(V1) && !l.includes(V2)));
  });

  it('checks its options at construction', () => {
    assert.throws(() => new StoreSecretResolver({ store: t.store, masterKey: key, ttlMs: -1 }), { code: 'INTERNAL_ERROR' });
    assert.throws(() => new StoreSecretResolver({ store: t.store, masterKey: key, watchIntervalMs: 1.5 }), { code: 'INTERNAL_ERROR' });
  });
});
