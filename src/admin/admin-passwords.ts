/**
 * Administrator passwords, hashed with scrypt (memory-hard: each guess costs 32 MiB and tens of
 * milliseconds) into a self-describing string `scrypt$N$r$p$salt$hash` (salt and hash base64url),
 * so the cost can be raised later while old hashes still verify. Verification compares in constant
 * time and runs on the libuv thread pool, off the event loop.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { GatehouseError } from '../errors/catalog.js';

/** Cost parameters of new hashes: N = 2^15, r = 8, p = 1 (OWASP's scrypt recommendation). */
export const PASSWORD_COST = { N: 2 ** 15, r: 8, p: 1 } as const;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{22,88})\$([A-Za-z0-9_-]{43,88})$/;

/**
 * A hash of a password nobody knows, with the current cost. Checked when a name has no password,
 * so an unknown name takes as long to refuse as a wrong password.
 */
export const DUMMY_PASSWORD_HASH = 'scrypt$32768$8$1$3a-BrD6A-xrJcInHbROeKA$A27EJEfe3uDJB6aj7zAugpBBRDj27sGcwacLo3ZbdAg';

function derive(password: string, salt: Buffer, length: number, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs about 128 * N * r bytes; allow twice that.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Why a new password is not acceptable, or undefined if it is. Never quotes the password. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `The password has ${length} characters; use at least ${MIN_PASSWORD_LENGTH}.`;
  if (length > MAX_PASSWORD_LENGTH) return `The password is longer than ${MAX_PASSWORD_LENGTH} characters.`;
  return undefined;
}

/** Hash a new password (refused with USAGE if it is too short or too long). */
export async function hashPassword(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem !== undefined) throw new GatehouseError('USAGE', problem);
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, PASSWORD_COST);
  return `scrypt$${PASSWORD_COST.N}$${PASSWORD_COST.r}$${PASSWORD_COST.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** The cost parameters of a stored hash, or undefined if it is not one this version can check. */
export function parsePasswordHash(stored: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } | undefined {
  const m = FORMAT.exec(stored);
  if (m === null) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a tampered row from turning a sign-in into a memory or CPU exhaustion.
  const powerOfTwo = (N & (N - 1)) === 0;
  if (!powerOfTwo || N < 2 ** 14 || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16 || 128 * N * r > 1024 ** 3) return undefined;
  return { N, r, p, salt: Buffer.from(m[4]!, 'base64url'), hash: Buffer.from(m[5]!, 'base64url') };
}

/** Whether `password` matches `stored`, compared in constant time. A malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored) ?? parsePasswordHash(DUMMY_PASSWORD_HASH)!;
  const candidate = await derive(password.slice(0, MAX_PASSWORD_LENGTH * 2), parsed.salt, parsed.hash.length, parsed);
  const same = candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
  return same && parsePasswordHash(stored) !== undefined;
}
