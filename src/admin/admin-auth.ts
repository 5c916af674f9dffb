/**
 * Who is deciding: authenticates a person from `Authorization: Bearer gha_…` (an API token) or
 * `Authorization: Basic name:password` to the administrator declared in gatehouse.yaml. The name
 * must still be declared: the tokens and password of a removed person stop working at once.
 *
 * Every failure is the same ADMIN_AUTH_INVALID, never saying whether the name, the token id, the
 * secret or the password was wrong; the reason is kept in the error's details for the audit trail
 * only. An unknown name costs a scrypt of a dummy hash, so timing does not tell names apart.
 */
import type { AdminConfig } from '../config/schema.js';
import { GatehouseError } from '../errors/catalog.js';
import type { Logger } from '../ops/logger.js';
import type { Store } from '../store/store.js';
import { isUsable } from './admin-accounts.js';
import { DUMMY_PASSWORD_HASH, MAX_PASSWORD_LENGTH, verifyPassword } from './admin-passwords.js';
import { adminTokenIdOf, adminTokenMatchesHash, hashAdminToken } from './admin-tokens.js';

/** An authenticated person and how they signed in. */
export interface AdminIdentity {
  readonly admin: AdminConfig;
  readonly method: 'token' | 'password';
  /** The token used, when signed in with one. */
  readonly tokenId?: string;
}

/** Why a sign-in failed; recorded in the audit trail, never told to the caller. */
export type AdminAuthFailure = 'missing' | 'malformed' | 'agent-key' | 'unknown-token' | 'wrong-secret' | 'revoked' | 'expired'
  | 'not-declared' | 'wrong-password';

const DUMMY_TOKEN_HASH = hashAdminToken('gha_000000000000_not-a-token');
const MAX_HEADER = 4096;
/** last_used_at is written at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;

function refused(reason: AdminAuthFailure, extra: Record<string, string> = {}): GatehouseError {
  const problem = reason === 'missing' ? 'No administrator credentials were presented.'
    : reason === 'agent-key' ? 'An agent key (ghk_…) is not an administrator credential.'
      : 'The administrator credentials were not accepted.';
  return new GatehouseError('ADMIN_AUTH_INVALID', problem, { reason, ...extra });
}

export class AdminAuthenticator {
  readonly #store: Store;
  readonly #log: Logger | undefined;
  readonly #now: () => Date;
  readonly #lastTouched = new Map<string, number>();

  constructor(store: Store, options: { log?: Logger; now?: () => Date } = {}) {
    this.#store = store;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
  }

  /** Authenticate an HTTP Authorization header against the declared administrators. */
  authenticate(authorization: string | undefined, admins: readonly AdminConfig[]): Promise<AdminIdentity> {
    if (authorization === undefined || authorization.trim() === '') return Promise.reject(refused('missing'));
    if (authorization.length > MAX_HEADER) return Promise.reject(refused('malformed'));
    const match = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) return Promise.reject(refused('malformed'));
    const value = match[2]!;
    if (match[1]!.toLowerCase() === 'bearer') return this.token(value, admins);
    const pair = decodeBasic(value);
    if (pair === undefined) return Promise.reject(refused('malformed'));
    return this.password(pair.name, pair.password, admins);
  }

  /** Authenticate an API token (`gha_…`). */
  async token(token: string, admins: readonly AdminConfig[]): Promise<AdminIdentity> {
    if (token.startsWith('ghk_')) throw refused('agent-key');
    const tokenId = adminTokenIdOf(token);
    if (tokenId === undefined) throw refused('malformed');
    const row = await this.#store.approvals.findAdminToken(tokenId);
    const matches = adminTokenMatchesHash(token, row?.tokenHash ?? DUMMY_TOKEN_HASH);
    if (row === undefined) throw refused('unknown-token', { tokenId });
    if (!matches) throw refused('wrong-secret', { tokenId });
    const now = this.#now();
    if (row.revokedAt !== null) throw refused('revoked', { tokenId });
    if (!isUsable(row, now)) throw refused('expired', { tokenId });
    const admin = admins.find((a) => a.name === row.admin);
    if (admin === undefined) throw refused('not-declared', { tokenId });
    this.#touch(tokenId, now);
    return { admin, method: 'token', tokenId };
  }

  /** Authenticate a name and password. */
  async password(name: string, password: string, admins: readonly AdminConfig[]): Promise<AdminIdentity> {
    // Look up and hash even for undeclared names, so the time taken does not tell them apart.
    const stored = await this.#store.approvals.getAdminPassword(name.slice(0, 200));
    const ok = await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH * 2), stored ?? DUMMY_PASSWORD_HASH);
    const admin = admins.find((a) => a.name === name);
    if (!ok || stored === undefined) throw refused('wrong-password');
    if (admin === undefined) throw refused('not-declared');
    return { admin, method: 'password' };
  }

  #touch(tokenId: string, now: Date): void {
    const last = this.#lastTouched.get(tokenId) ?? 0;
    if (now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.#lastTouched.set(tokenId, now.getTime());
    this.#store.approvals.touchAdminToken(tokenId, now.toISOString()).catch(() => {
      this.#log?.warn('could not record administrator token last use', { tokenId });
    });
  }
}

/** `name:password` from a Basic credential, or undefined if it is not one. */
function decodeBasic(value: string): { name: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64'));
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { name: text.slice(0, colon), password: text.slice(colon + 1) };
}
