/**
 * Audit key material, created once per state_dir and reused on every start:
 *
 * - HMAC key for argument/result hashes: the UTF-8 bytes of `audit.hmac_key` when configured, else
 *   of the text in `<state_dir>/audit-hmac.key` (64 hex characters of 32 random bytes). Copying that
 *   file's text into `audit.hmac_key` on other replicas yields the same hashes.
 * - Ed25519 checkpoint signing key in `<state_dir>/audit-signing-key.pem` (PKCS#8 PEM). Its key id is
 *   the first 16 hex characters of SHA-256 over the SPKI DER of the public key. The public key is
 *   published to the store so verifiers can find it.
 *
 * Files are written to a private temporary file and hard-linked into place, so two processes starting
 * together never see a half-written key and exactly one key wins.
 */
import { createHash, createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Secret } from '../config/secret.js';
import { GatehouseError } from '../errors/catalog.js';
import type { AuditRepo } from '../store/store.js';

/** File name, under state_dir, of the generated HMAC key. */
export const HMAC_KEY_FILE = 'audit-hmac.key';
/** File name, under state_dir, of the Ed25519 signing key (PKCS#8 PEM). */
export const SIGNING_KEY_FILE = 'audit-signing-key.pem';
/** Shortest accepted configured HMAC key, in bytes. */
const MIN_HMAC_KEY_BYTES = 16;

/** The checkpoint signing key of this gateway. */
export interface AuditSigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  /** SPKI PEM of the public key. */
  readonly publicKeyPem: string;
}

/** Everything the audit writer and checkpointer need. KeyObjects never print their bytes. */
export interface AuditKeys {
  readonly hmacKey: KeyObject;
  readonly signing: AuditSigningKey;
}

/** A public key as published for verifiers. */
export interface AuditPublicKey {
  readonly keyId: string;
  readonly publicKeyPem: string;
  readonly createdAt?: string;
}

/** Key id of an Ed25519 public key: first 16 hex of SHA-256 over its SPKI DER. */
export function auditKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/**
 * Load (or create once) the HMAC key. A configured key wins over the file.
 * @throws GatehouseError CONFIG_INVALID for a too-short configured key, AUDIT_WRITE_FAILED if the file cannot be made.
 */
export function loadHmacKey(stateDir: string, configured: Secret | undefined): KeyObject {
  if (configured !== undefined) {
    const bytes = Buffer.from(configured.reveal(), 'utf8');
    if (bytes.length < MIN_HMAC_KEY_BYTES) {
      throw new GatehouseError('CONFIG_INVALID', `audit.hmac_key (${configured.reference}) must be at least ${MIN_HMAC_KEY_BYTES} bytes long.`);
    }
    return createSecretKey(bytes);
  }
  const text = readOrCreate(join(stateDir, HMAC_KEY_FILE), () => `${randomBytes(32).toString('hex')}\n`).trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new GatehouseError('AUDIT_WRITE_FAILED', `The audit HMAC key file ${join(stateDir, HMAC_KEY_FILE)} is malformed (expected 64 hex characters).`);
  }
  return createSecretKey(Buffer.from(text, 'utf8'));
}

/**
 * Load (or create once) the Ed25519 checkpoint signing key.
 * @throws GatehouseError AUDIT_WRITE_FAILED if the file cannot be made or read as an Ed25519 key.
 */
export function loadSigningKey(stateDir: string): AuditSigningKey {
  const file = join(stateDir, SIGNING_KEY_FILE);
  const pem = readOrCreate(file, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new GatehouseError('AUDIT_WRITE_FAILED', `The audit signing key file ${file} is not a PKCS#8 PEM private key.`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new GatehouseError('AUDIT_WRITE_FAILED', `The audit signing key file ${file} does not hold an Ed25519 key.`);
  }
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: auditKeyId(publicKey),
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Load or create both keys under `stateDir` and publish the signing public key to the store.
 * Call once at startup; the store keeps the first publication time of each key.
 */
export async function openAuditKeys(options: {
  readonly stateDir: string;
  readonly hmacKey: Secret | undefined;
  readonly store: Pick<AuditRepo, 'putAuditKey'>;
  readonly now?: () => Date;
}): Promise<AuditKeys> {
  try {
    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  } catch {
    throw new GatehouseError('AUDIT_WRITE_FAILED', `Cannot create the state directory ${options.stateDir} for audit keys.`);
  }
  const hmacKey = loadHmacKey(options.stateDir, options.hmacKey);
  const signing = loadSigningKey(options.stateDir);
  await options.store.putAuditKey(signing.keyId, signing.publicKeyPem, (options.now?.() ?? new Date()).toISOString());
  return { hmacKey, signing };
}

/** openAuditKeys for a loaded configuration: `state_dir` and `audit.hmacKey`. */
export async function loadAuditKeys(
  config: { readonly state_dir: string; readonly audit: { readonly hmacKey: Secret | undefined } },
  store: Pick<AuditRepo, 'putAuditKey'>,
): Promise<AuditKeys> {
  return openAuditKeys({ stateDir: config.state_dir, hmacKey: config.audit.hmacKey, store });
}

/** Parse a PEM public key (SPKI) and return it with its key id; throws USAGE if it is not Ed25519. */
export function parsePublicKeyPem(pem: string): AuditPublicKey & { readonly key: KeyObject } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new GatehouseError('USAGE', 'The public key is not a PEM (SPKI) public key.');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new GatehouseError('USAGE', 'The public key is not an Ed25519 key.');
  return { keyId: auditKeyId(key), publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(), key };
}

/**
 * The text of `file`, creating it with `make()` if it does not exist. The new file is written
 * 0600 to a unique temporary name, fsynced and hard-linked to `file`; if another process linked
 * first (EEXIST), its file is used and ours discarded.
 */
function readOrCreate(file: string, make: () => string): string {
  const existing = tryRead(file);
  if (existing !== undefined) return existing;
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, make());
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } catch {
    throw new GatehouseError('AUDIT_WRITE_FAILED', `Cannot create the audit key file ${file}.`);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Already gone or never created: nothing to clean up.
    }
  }
  const created = tryRead(file);
  if (created === undefined) throw new GatehouseError('AUDIT_WRITE_FAILED', `Cannot read the audit key file ${file}.`);
  return created;
}

function tryRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new GatehouseError('AUDIT_WRITE_FAILED', `Cannot read the audit key file ${file}.`);
  }
}
