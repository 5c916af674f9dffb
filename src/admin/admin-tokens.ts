/**
 * Administrator API token format and hashing, mirroring agent keys (identity/agent-keys.ts). A token
 * is `gha_<tokenId>_<secret>`: the prefix lets secret scanners find leaked tokens and keeps them
 * apart from agent keys (`ghk_`), the token id finds the stored row without scanning, and only the
 * SHA-256 of the whole token is stored. Tokens carry 256 random bits, so a fast hash is sufficient.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const ADMIN_TOKEN_PREFIX = 'gha_';
const TOKEN_PATTERN = /^gha_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewAdminToken {
  /** The full token, shown to the person once and never stored. */
  readonly token: string;
  readonly tokenId: string;
  readonly tokenHash: string;
}

/** Generate a new random administrator token. */
export function generateAdminToken(): NewAdminToken {
  const tokenId = randomBytes(6).toString('hex');
  const token = `${ADMIN_TOKEN_PREFIX}${tokenId}_${randomBytes(32).toString('base64url')}`;
  return { token, tokenId, tokenHash: hashAdminToken(token) };
}

/** Hex SHA-256 of a token. */
export function hashAdminToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token id inside a well-formed token, or undefined if the string is not an administrator token. */
export function adminTokenIdOf(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

/** Constant-time comparison of a presented token against a stored hash. */
export function adminTokenMatchesHash(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashAdminToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
