/**
 * The master key that encrypts connector credentials at rest (AES-256-GCM, see secret-box.ts).
 *
 * Where it comes from, first match wins:
 *
 * 1. `GATEHOUSE_MASTER_KEY`: 32 bytes as base64 (standard or URL-safe, padding optional, 43–44
 *    characters) or as hex (64 characters). Surrounding whitespace is ignored.
 * 2. The file named by `secrets.master_key_file` in gatehouse.yaml: exactly 32 raw bytes, or the
 *    same base64/hex text (a trailing newline is fine). On POSIX systems the file must not grant
 *    any permission to group or others (`chmod 600`); a readable-by-others file is refused.
 *
 * Every ciphertext is stored beside the id of the key that made it: the first 16 hex characters of
 * SHA-256 over a fixed label and the key bytes. The id names a key without revealing it, so a
 * wrong or rotated key is reported as such instead of as corrupt data.
 *
 * The key bytes live only in a KeyObject; MasterKey prints as `[master key ID]` in logs, JSON and
 * util.inspect, and no error raised here contains key material.
 */
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import { GatehouseError } from '../errors/catalog.js';

/** Environment variable holding the master key (base64 or hex). */
export const MASTER_KEY_ENV = 'GATEHOUSE_MASTER_KEY';
/** Length of the master key in bytes (AES-256). */
export const MASTER_KEY_BYTES = 32;

const KEY_ID_LABEL = 'gatehouse master key id v1\0';
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}={0,1}$/;

/** A loaded master key: its id and the key material, which never prints. */
export class MasterKey {
  /** 16 hex characters naming this key; stored beside every ciphertext it makes. */
  readonly id: string;
  /** Where it was loaded from: `env` or the key file path. Safe to show. */
  readonly origin: string;
  readonly #key: KeyObject;

  constructor(bytes: Uint8Array, origin: string) {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new GatehouseError('MASTER_KEY_MISSING', `The master key from ${origin} is ${bytes.length} bytes long; it must be exactly ${MASTER_KEY_BYTES}.`);
    }
    this.id = masterKeyId(bytes);
    this.origin = origin;
    this.#key = createSecretKey(bytes);
  }

  /** The key for node:crypto; hand it to a cipher and nowhere else. */
  keyObject(): KeyObject {
    return this.#key;
  }

  toString(): string {
    return `[master key ${this.id}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Id of a master key: first 16 hex of SHA-256 over a fixed label followed by the key bytes. */
export function masterKeyId(bytes: Uint8Array): string {
  return createHash('sha256').update(KEY_ID_LABEL).update(bytes).digest('hex').slice(0, 16);
}

/** The part of the loaded configuration this module reads (`secrets.master_key_file`, already absolute). */
export interface SecretsConfig {
  readonly secrets: { readonly master_key_file?: string | undefined };
}

/** The environment to read GATEHOUSE_MASTER_KEY from. */
export type KeyEnv = Readonly<Record<string, string | undefined>>;

/**
 * The master key, or undefined when neither GATEHOUSE_MASTER_KEY nor a key file is configured.
 * A configured key that is malformed or in an unsafe file is an error, never "no key".
 * @throws GatehouseError MASTER_KEY_MISSING for a malformed key, an unreadable or unsafe key file.
 */
export function findMasterKey(config: SecretsConfig, env: KeyEnv = process.env): MasterKey | undefined {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return new MasterKey(decodeKeyText(fromEnv, MASTER_KEY_ENV), MASTER_KEY_ENV);
  }
  const keyFile = config.secrets.master_key_file;
  if (keyFile !== undefined) return new MasterKey(readKeyFile(keyFile), keyFile);
  return undefined;
}

/**
 * The master key; it must be configured.
 * @throws GatehouseError MASTER_KEY_MISSING when no key is configured or the configured one is unusable.
 */
export function loadMasterKey(config: SecretsConfig, env: KeyEnv = process.env): MasterKey {
  const key = findMasterKey(config, env);
  if (key === undefined) {
    throw new GatehouseError('MASTER_KEY_MISSING', 'No master key is configured for the secrets store.');
  }
  return key;
}

/** Decode base64 or hex key text. The text itself never appears in the error. */
function decodeKeyText(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (BASE64_KEY.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === MASTER_KEY_BYTES) return bytes;
  }
  throw new GatehouseError('MASTER_KEY_MISSING',
    `The master key in ${origin} is not ${MASTER_KEY_BYTES} bytes written as base64 (44 characters) or hex (64 characters); generate one with \`openssl rand -base64 32\`.`);
}

function readKeyFile(file: string): Buffer {
  let mode: number;
  let bytes: Buffer;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    mode = stat.mode;
    bytes = readFileSync(file);
  } catch {
    throw new GatehouseError('MASTER_KEY_MISSING', `Cannot read the master key file ${file} (secrets.master_key_file).`, { file });
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new GatehouseError('MASTER_KEY_MISSING',
      `The master key file ${file} is accessible to group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); make it private with \`chmod 600 ${file}\`.`,
      { file });
  }
  if (bytes.length === MASTER_KEY_BYTES) return bytes;
  return decodeKeyText(bytes.toString('latin1'), file);
}
