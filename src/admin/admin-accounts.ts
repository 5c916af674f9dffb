/**
 * Administrator credential lifecycle: set a password, issue, revoke and list API tokens. The people
 * are declared in gatehouse.yaml (`admins:`, with role and groups); only their credentials live in
 * the store, as a scrypt hash (password) and SHA-256 hashes (tokens).
 */
import type { Config } from '../config/load.js';
import { durationMs } from '../config/schema-parts.js';
import type { AdminConfig } from '../config/schema.js';
import { GatehouseError } from '../errors/catalog.js';
import type { AdminTokenRow } from '../store/approval-repo.js';
import type { Store } from '../store/store.js';
import { hashPassword } from './admin-passwords.js';
import { generateAdminToken } from './admin-tokens.js';

export interface IssuedAdminToken {
  readonly name: string;
  /** Shown once; only its hash is stored. */
  readonly token: string;
  readonly tokenId: string;
  readonly expiresAt: string | null;
}

/** A declared administrator and the state of their credentials (never a hash or a token). */
export interface AdminListing {
  readonly name: string;
  readonly role: AdminConfig['role'];
  readonly groups: readonly string[];
  readonly passwordSet: boolean;
  readonly activeTokens: readonly { tokenId: string; createdAt: string; expiresAt: string | null; lastUsedAt: string | null }[];
}

/** The declared administrator called `name`, or ADMIN_NOT_DECLARED. */
export function declaredAdmin(config: Pick<Config, 'admins' | 'file'>, name: string): AdminConfig {
  const admin = config.admins.find((a) => a.name === name);
  if (admin === undefined) {
    throw new GatehouseError('ADMIN_NOT_DECLARED', `"${name.slice(0, 200)}" is not declared under admins: in ${config.file}.`);
  }
  return admin;
}

/** Set (or replace) the password of a declared administrator. */
export async function setAdminPassword(store: Store, config: Pick<Config, 'admins' | 'file'>, name: string, password: string, now: Date = new Date()): Promise<void> {
  declaredAdmin(config, name);
  await store.approvals.setAdminPassword(name, await hashPassword(password), now.toISOString());
}

/** Issue a new API token for a declared administrator; earlier tokens stay valid until revoked. */
export async function issueAdminToken(store: Store, config: Pick<Config, 'admins' | 'file'>, name: string, options: { expires?: string; now?: Date } = {}): Promise<IssuedAdminToken> {
  declaredAdmin(config, name);
  const now = options.now ?? new Date();
  let expiresAt: string | null = null;
  if (options.expires !== undefined) {
    const ms = durationMs(options.expires);
    if (!(typeof ms === 'number' && ms > 0)) throw new GatehouseError('USAGE', `"${options.expires.slice(0, 40)}" is not a duration; use e.g. 30d, 12h or 90m.`);
    expiresAt = new Date(now.getTime() + ms).toISOString();
  }
  const issued = generateAdminToken();
  await store.approvals.insertAdminToken({
    tokenId: issued.tokenId, admin: name, tokenHash: issued.tokenHash, createdAt: now.toISOString(), expiresAt, revokedAt: null, lastUsedAt: null,
  });
  return { name, token: issued.token, tokenId: issued.tokenId, expiresAt };
}

/**
 * Revoke every token of `name`, effective on the next request on every replica. Works for names no
 * longer declared too, so a departed person's tokens can still be cleaned up.
 */
export function revokeAdminTokens(store: Store, name: string, now: Date = new Date()): Promise<number> {
  return store.approvals.revokeAdminTokens(name, now.toISOString());
}

/** Every declared administrator with role, groups, whether a password is set and their usable tokens. */
export async function listAdmins(store: Store, config: Pick<Config, 'admins'>, now: Date = new Date()): Promise<AdminListing[]> {
  const tokens = await store.approvals.listAdminTokens();
  const out: AdminListing[] = [];
  for (const admin of config.admins) {
    out.push({
      name: admin.name,
      role: admin.role,
      groups: admin.groups,
      passwordSet: (await store.approvals.getAdminPassword(admin.name)) !== undefined,
      activeTokens: tokens.filter((t) => t.admin === admin.name && isUsable(t, now))
        .map((t) => ({ tokenId: t.tokenId, createdAt: t.createdAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt })),
    });
  }
  return out;
}

/** Not revoked and not expired at `now`. */
export function isUsable(token: AdminTokenRow, now: Date): boolean {
  return token.revokedAt === null && (token.expiresAt === null || Date.parse(token.expiresAt) > now.getTime());
}
