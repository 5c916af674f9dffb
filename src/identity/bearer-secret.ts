/**
 * The format shared by agent keys (`ghk_`) and administrator tokens (`gha_`): `<prefix><id>_<secret>`.
 * The prefix lets secret scanners find leaked credentials and keeps the two kinds apart, the id
 * finds the stored row without scanning, and only the SHA-256 of the whole string is stored. Each
 * carries 256 random bits, so a fast hash is enough (a slow KDF protects low-entropy passwords).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface NewBearerSecret {
  /** The full credential, shown once and never stored. */
  readonly value: string;
  readonly id: string;
  readonly hash: string;
}

export interface BearerSecretFormat {
  readonly prefix: string;
  generate(): NewBearerSecret;
  hash(value: string): string;
  /** The id inside a well-formed credential of this format, or undefined. */
  idOf(value: string): string | undefined;
  /** Constant-time comparison of a presented credential against a stored hash. */
  matches(value: string, storedHash: string): boolean;
}

/** The format for one prefix, e.g. `ghk_`. */
export function bearerSecretFormat(prefix: string): BearerSecretFormat {
  const pattern = new RegExp(`^${prefix}([0-9a-f]{12})_([A-Za-z0-9_-]{43})$`);
  const hash = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
  return {
    prefix,
    generate() {
      const id = randomBytes(6).toString('hex');
      const value = `${prefix}${id}_${randomBytes(32).toString('base64url')}`;
      return { value, id, hash: hash(value) };
    },
    hash,
    idOf: (value) => pattern.exec(value)?.[1],
    matches(value, storedHash) {
      const presented = Buffer.from(hash(value), 'hex');
      const stored = Buffer.from(storedHash, 'hex');
      return presented.length === stored.length && timingSafeEqual(presented, stored);
    },
  };
}
