import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Secret } from '../config/secret.js';
import { openTestStore } from '../../test/support/stores.js';
import { HMAC_KEY_FILE, SIGNING_KEY_FILE, loadHmacKey, loadSigningKey, openAuditKeys, parsePublicKeyPem } from './audit-keys.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
}

function mac(key: Parameters<typeof createHmac>[1]): string {
  return createHmac('sha256', key).update('x').digest('hex');
}

describe('audit keys', () => {
  it('creates both keys once with mode 0600 and reuses them', () => {
    const dir = tempDir();
    try {
      const first = loadSigningKey(dir);
      const hmac = loadHmacKey(dir, undefined);
      assert.equal(statSync(join(dir, SIGNING_KEY_FILE)).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, HMAC_KEY_FILE)).mode & 0o777, 0o600);
      assert.match(first.keyId, /^[0-9a-f]{16}$/);
      assert.match(readFileSync(join(dir, SIGNING_KEY_FILE), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
      assert.equal(loadSigningKey(dir).keyId, first.keyId);
      assert.equal(mac(loadHmacKey(dir, undefined)), mac(hmac));
      assert.equal(parsePublicKeyPem(first.publicKeyPem).keyId, first.keyId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses a configured HMAC key, equal to copying the generated file into the config', () => {
    const dir = tempDir();
    try {
      const fromFile = loadHmacKey(dir, undefined);
      const text = readFileSync(join(dir, HMAC_KEY_FILE), 'utf8').trim();
      assert.equal(mac(loadHmacKey(join(dir, 'unused'), new Secret('${env:K}', 'env', 'K', text))), mac(fromFile));
      assert.throws(() => loadHmacKey(dir, new Secret('${env:K}', 'env', 'K', 'short')), { code: 'CONFIG_INVALID' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends a first-start race between concurrent starters with one key for all', async () => {
    const dir = tempDir();
    const moduleUrl = new URL('./audit-keys.js', import.meta.url).href;
    try {
      const code = `
        const { parentPort, workerData } = require('node:worker_threads');
        import(workerData.moduleUrl).then((m) => {
          const hmac = m.loadHmacKey(workerData.dir, undefined).export().toString('hex');
          parentPort.postMessage({ keyId: m.loadSigningKey(workerData.dir).keyId, hmac });
        });`;
      const results = await Promise.all(Array.from({ length: 8 }, () => new Promise<{ keyId: string; hmac: string }>((resolve, reject) => {
        const worker = new Worker(code, { eval: true, workerData: { dir, moduleUrl } });
        worker.once('message', resolve);
        worker.once('error', reject);
      })));
      assert.equal(new Set(results.map((r) => r.keyId)).size, 1);
      assert.equal(new Set(results.map((r) => r.hmac)).size, 1);
      assert.equal(loadSigningKey(dir).keyId, results[0]?.keyId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes the signing public key to the store', async () => {
    const dir = tempDir();
    const t = await openTestStore();
    try {
      const keys = await openAuditKeys({ stateDir: join(dir, 'nested'), hmacKey: undefined, store: t.store });
      await openAuditKeys({ stateDir: join(dir, 'nested'), hmacKey: undefined, store: t.store });
      const published = await t.store.listAuditKeys();
      assert.equal(published.length, 1);
      assert.equal(published[0]?.keyId, keys.signing.keyId);
      assert.equal(parsePublicKeyPem(published[0]?.publicKeyPem ?? '').keyId, keys.signing.keyId);
    } finally {
      await t.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not print key bytes', () => {
    const dir = tempDir();
    try {
      const hmac = loadHmacKey(dir, undefined);
      const text = readFileSync(join(dir, HMAC_KEY_FILE), 'utf8').trim();
      assert.equal(JSON.stringify({ hmac }).includes(text), false);
      assert.equal(String(hmac).includes(text), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
