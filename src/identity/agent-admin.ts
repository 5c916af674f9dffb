/**
 * Agent credential lifecycle for administrators: create, rotate, revoke, list.
 * Agents are declared in gatehouse.yaml (identity as code); their keys live in the store.
 */
import type { Config } from '../config/load.js';
import { durationMs } from '../config/schema-parts.js';
import { GatehouseError } from '../errors/catalog.js';
import type { AgentKeyRow, Store } from '../store/store.js';
import { generateAgentKey } from './agent-keys.js';

export interface IssuedKey {
  readonly name: string;
  readonly key: string;
  readonly keyId: string;
  readonly expiresAt: string | null;
}

export interface AgentListing {
  readonly name: string;
  readonly owner: string;
  readonly status: 'active' | 'no-key' | 'expired' | 'revoked';
  readonly activeKeyId: string | null;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly keys: number;
}

function declared(config: Config, name: string): void {
  if (!config.agents.some((a) => a.name === name)) {
    throw new GatehouseError('AGENT_NOT_DECLARED', `Agent "${name}" is not declared in ${config.file}.`, { agent: name });
  }
}

function expiryFrom(now: Date, expires: string | undefined): string | null {
  if (expires === undefined) return null;
  const ms = durationMs(expires);
  if (!(ms > 0)) throw new GatehouseError('USAGE', `"${expires}" is not a duration; use e.g. 30d, 12h or 90m.`);
  return new Date(now.getTime() + ms).toISOString();
}

/**
 * Issue a new key for an agent. Earlier keys of the agent stay valid (use rotate to replace them);
 * issuing a key also lifts an agent-wide revocation.
 */
export async function createAgentKey(store: Store, config: Config, name: string, options: { expires?: string; now?: Date } = {}): Promise<IssuedKey> {
  declared(config, name);
  const now = options.now ?? new Date();
  const expiresAt = expiryFrom(now, options.expires);
  const issued = generateAgentKey();
  await store.insertKey({
    keyId: issued.keyId, agent: name, keyHash: issued.keyHash, createdAt: now.toISOString(),
    expiresAt, revokedAt: null, lastUsedAt: null,
  });
  await store.setAgentRevoked(name, null, null);
  return { name, key: issued.key, keyId: issued.keyId, expiresAt };
}

/** Issue a new key and revoke every other key of the agent at once. */
export async function rotateAgentKey(store: Store, config: Config, name: string, options: { expires?: string; now?: Date } = {}): Promise<IssuedKey & { revoked: number }> {
  declared(config, name);
  const existing = await store.listKeys(name);
  if (existing.length === 0) throw new GatehouseError('AGENT_HAS_NO_KEY', `Agent "${name}" has no key to rotate.`, { agent: name });
  const issued = await createAgentKey(store, config, name, options);
  const revoked = await store.revokeKeys(name, (options.now ?? new Date()).toISOString(), issued.keyId);
  return { ...issued, revoked };
}

/** Revoke every key of an agent; takes effect on the next call on every replica. */
export async function revokeAgent(store: Store, name: string, options: { reason?: string; now?: Date } = {}): Promise<number> {
  const at = (options.now ?? new Date()).toISOString();
  const revoked = await store.revokeKeys(name, at);
  await store.setAgentRevoked(name, at, options.reason ?? null);
  return revoked;
}

/** Every declared agent with the state of its credentials. */
export async function listAgents(store: Store, config: Config, now: Date = new Date()): Promise<AgentListing[]> {
  const keys = await store.listKeys();
  return config.agents.map((agent) => {
    const own = keys.filter((k) => k.agent === agent.name);
    const usable = own.filter((k) => k.revokedAt === null && !isExpired(k, now));
    const newest = usable.at(-1) ?? own.at(-1);
    const status: AgentListing['status'] = own.length === 0 ? 'no-key'
      : usable.length > 0 ? 'active'
        : own.some((k) => k.revokedAt === null) ? 'expired' : 'revoked';
    return {
      name: agent.name,
      owner: agent.owner,
      status,
      activeKeyId: usable.at(-1)?.keyId ?? null,
      expiresAt: newest?.expiresAt ?? null,
      lastUsedAt: own.map((k) => k.lastUsedAt).filter((t): t is string => t !== null).sort().at(-1) ?? null,
      keys: own.length,
    };
  });
}

function isExpired(key: AgentKeyRow, now: Date): boolean {
  return key.expiresAt !== null && Date.parse(key.expiresAt) <= now.getTime();
}
