/**
 * Sealing and opening secret values: AES-256-GCM under the master key, pure functions over
 * node:crypto.
 *
 * - A fresh random 96-bit nonce per encryption (never reused: every set draws a new one).
 * - Additional authenticated data: the UTF-8 bytes of `gatehouse secret v1` + NUL + the secret
 *   name, so a ciphertext copied to another name (or another purpose) fails to open.
 * - 128-bit authentication tag; any change to nonce, ciphertext, tag or name is detected.
 * - Stored parts (nonce, ciphertext, tag) are base64; `keyId` names the master key that sealed it.
 *
 * Errors name the secret and the key ids, never the value or the key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GatehouseError } from '../errors/catalog.js';
import type { SecretRow } from '../store/store.js';
import type { MasterKey } from './master-key.js';

/** The encrypted parts of a secret, as kept in the store. */
export type SealedSecret = Pick<SecretRow, 'keyId' | 'nonce' | 'ciphertext' | 'tag'>;

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD_PREFIX = 'gatehouse secret v1\0';
/** Largest secret value accepted, in bytes of UTF-8. */
export const MAX_SECRET_BYTES = 64 * 1024;

/** The additional authenticated data binding a ciphertext to its secret name. */
export function secretAad(name: string): Buffer {
  return Buffer.from(`${AAD_PREFIX}${name}`, 'utf8');
}

/**
 * Encrypt `value` for the secret `name` under `key`.
 * @throws GatehouseError USAGE if the value is empty or larger than MAX_SECRET_BYTES.
 */
export function sealSecret(key: MasterKey, name: string, value: string): SealedSecret {
  const plaintext = Buffer.from(value, 'utf8');
  if (plaintext.length === 0) throw new GatehouseError('USAGE', `The value of secret ${name} is empty.`, { secret: name });
  if (plaintext.length > MAX_SECRET_BYTES) {
    throw new GatehouseError('USAGE', `The value of secret ${name} is ${plaintext.length} bytes; the limit is ${MAX_SECRET_BYTES}.`, { secret: name });
  }
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.keyObject(), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(secretAad(name));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  plaintext.fill(0);
  return { keyId: key.id, nonce: nonce.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: tag.toString('base64') };
}

/**
 * Decrypt the secret `name`. Fails if it was sealed under another key, for another name, or altered.
 * @throws GatehouseError SECRET_UNAVAILABLE naming the secret (never its value).
 */
export function openSecret(key: MasterKey, name: string, sealed: SealedSecret): string {
  if (sealed.keyId !== key.id) {
    throw new GatehouseError('SECRET_UNAVAILABLE',
      `Secret ${name} was encrypted with master key ${sealed.keyId}, but the loaded master key is ${key.id}.`,
      { secret: name, keyId: sealed.keyId, loadedKeyId: key.id });
  }
  const nonce = Buffer.from(sealed.nonce, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  const ciphertext = Buffer.from(sealed.ciphertext, 'base64');
  let plaintext: Buffer | undefined;
  try {
    if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new Error('malformed parts');
    const decipher = createDecipheriv(ALGORITHM, key.keyObject(), nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(secretAad(name));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch {
    // No cause attached: nothing from the failed decryption leaves this function.
    throw new GatehouseError('SECRET_UNAVAILABLE',
      `Secret ${name} cannot be decrypted: its stored ciphertext was altered or copied from another name; set it again.`,
      { secret: name, keyId: sealed.keyId });
  } finally {
    plaintext?.fill(0);
  }
}
