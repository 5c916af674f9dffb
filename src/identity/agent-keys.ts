/** Agent keys: `ghk_<keyId>_<secret>`, stored as a SHA-256 hash (format in bearer-secret.ts). */
import { bearerSecretFormat } from './bearer-secret.js';

export const AGENT_KEY_PREFIX = 'ghk_';
const FORMAT = bearerSecretFormat(AGENT_KEY_PREFIX);

export interface NewAgentKey {
  /** The full key, shown to the operator once and never stored. */
  readonly key: string;
  readonly keyId: string;
  readonly keyHash: string;
}

/** Generate a new random agent key. */
export function generateAgentKey(): NewAgentKey {
  const { value, id, hash } = FORMAT.generate();
  return { key: value, keyId: id, keyHash: hash };
}

/** Hex SHA-256 of a key. */
export const hashAgentKey = (key: string): string => FORMAT.hash(key);

/** The key id inside a well-formed key, or undefined if the string is not an agent key. */
export const keyIdOf = (key: string): string | undefined => FORMAT.idOf(key);

/** Constant-time comparison of a presented key against a stored hash. */
export const keyMatchesHash = (key: string, storedHash: string): boolean => FORMAT.matches(key, storedHash);
