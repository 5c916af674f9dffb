/**
 * Administrator API tokens: `gha_<tokenId>_<secret>`, stored as a SHA-256 hash, the same format as
 * agent keys with their own prefix so the two can never be mistaken (identity/bearer-secret.ts).
 */
import { bearerSecretFormat } from '../identity/bearer-secret.js';

export const ADMIN_TOKEN_PREFIX = 'gha_';
const FORMAT = bearerSecretFormat(ADMIN_TOKEN_PREFIX);

export interface NewAdminToken {
  /** The full token, shown to the person once and never stored. */
  readonly token: string;
  readonly tokenId: string;
  readonly tokenHash: string;
}

/** Generate a new random administrator token. */
export function generateAdminToken(): NewAdminToken {
  const { value, id, hash } = FORMAT.generate();
  return { token: value, tokenId: id, tokenHash: hash };
}

/** Hex SHA-256 of a token. */
export const hashAdminToken = (token: string): string => FORMAT.hash(token);

/** The token id inside a well-formed token, or undefined if the string is not an administrator token. */
export const adminTokenIdOf = (token: string): string | undefined => FORMAT.idOf(token);

/** Constant-time comparison of a presented token against a stored hash. */
export const adminTokenMatchesHash = (token: string, storedHash: string): boolean => FORMAT.matches(token, storedHash);
