/**
 * Agent key format and hashing. A key is `ghk_<keyId>_<secret>`: the recognizable prefix lets
 * secret scanners find leaked keys, the key id finds the stored row without scanning, and only the
 * SHA-256 of the whole key is stored. Keys carry 256 random bits, so a fast hash is sufficient
 * (a slow KDF protects low-entropy passwords, not random tokens).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const AGENT_KEY_PREFIX = 'ghk_';
const KEY_PATTERN = /^ghk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewAgentKey {
  /** The full key, shown to the operator once and never stored. */
  readonly key: string;
  readonly keyId: string;
  readonly keyHash: string;
}

/** Generate a new random agent key. */
export function generateAgentKey(): NewAgentKey {
  const keyId = randomBytes(6).toString('hex');
  const key = `${AGENT_KEY_PREFIX}${keyId}_${randomBytes(32).toString('base64url')}`;
  return { key, keyId, keyHash: hashAgentKey(key) };
}

/** Hex SHA-256 of a key. */
export function hashAgentKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The key id inside a well-formed key, or undefined if the string is not an agent key. */
export function keyIdOf(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** Constant-time comparison of a presented key against a stored hash. */
export function keyMatchesHash(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashAgentKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
