/**
 * Resolves `${env:NAME}` and `${secret:NAME}` references to credential values for connectors.
 *
 * Environment secrets return their load-time value. Store secrets are read from the store, opened
 * with the master key (secret-box.ts) and kept in memory for a short TTL (5 s by default). Within
 * the TTL a resolve costs no store read; concurrent resolves of one name share one read.
 *
 * How a rotation propagates: `gatehouse secret set NAME` (any process, any replica) writes a new
 * ciphertext and the store bumps the secret's version. Every resolver re-reads the row at most one
 * TTL later and returns the new value; no restart. A connector that holds long-lived connections
 * learns of the change in one of two ways:
 *
 * - pull: call `resolveVersioned(secret)` before using a pooled connection (cached, cheap) and
 *   rebuild the pool when `version` differs from the one the pool was built with; or
 * - push: `onRotate(listener)` is told `{ name, previousVersion, version }` whenever this resolver
 *   observes a different version of a secret it already read (version `undefined` = deleted).
 *   Observations happen on reads; set `watchIntervalMs` to re-read every name already resolved on
 *   a timer, so listeners fire even when no request arrives.
 *
 * Failures raise GatehouseError('SECRET_UNAVAILABLE') naming the secret, never its value: no master
 * key, not set, unreadable store, wrong key, altered or moved ciphertext. Nothing stale is served
 * after a failed read: a deleted or broken secret stops working within one TTL.
 */
import type { Secret } from '../config/secret.js';
import { asGatehouseError, GatehouseError, type ErrorCode } from '../errors/catalog.js';
import { silentLogger, type Logger } from '../ops/logger.js';
import type { SecretRepo, SecretRow } from '../store/store.js';
import type { MasterKey } from './master-key.js';
import type { SecretScrubber } from './secret-scrubber.js';
import { openSecret, sealSecret } from './secret-box.js';
import type { SecretResolver } from './secret-resolver.js';

/** Names of store secrets: lowercase letters, digits, ".", "_" and "-", starting with a letter or digit. */
export const SECRET_NAME = /^[a-z0-9][a-z0-9._-]*$/;
/** Longest secret name. */
export const MAX_SECRET_NAME = 64;
/** Default time a store secret is served from memory before it is read again. */
export const DEFAULT_SECRET_TTL_MS = 5_000;

/** Whether `name` is a valid store secret name. */
export function isSecretName(name: string): boolean {
  return name.length <= MAX_SECRET_NAME && SECRET_NAME.test(name);
}

/**
 * Encrypt `value` under `key` and store it as secret `name`; returns the new version.
 * @throws GatehouseError USAGE for a bad name or an empty or oversized value.
 */
export async function setStoreSecret(store: SecretRepo, key: MasterKey, name: string, value: string, now: Date = new Date()): Promise<number> {
  if (!isSecretName(name)) {
    throw new GatehouseError('USAGE', `Secret names match ${SECRET_NAME.source} and are at most ${MAX_SECRET_NAME} characters.`);
  }
  return store.putSecret({ name, ...sealSecret(key, name, value), updatedAt: now.toISOString() });
}

/** A resolved value with the version it came from (0 for environment secrets, which never change). */
export interface ResolvedSecret {
  readonly value: string;
  readonly version: number;
}

/** A change this resolver observed in a store secret it had read before. */
export interface SecretRotation {
  readonly name: string;
  /** Version seen before; undefined if the secret was missing then. */
  readonly previousVersion: number | undefined;
  /** Version now; undefined if the secret was deleted. */
  readonly version: number | undefined;
}

/** Outcome of re-reading one secret in `refresh()`. */
export type RefreshOutcome =
  | { readonly name: string; readonly ok: true; readonly version: number }
  | { readonly name: string; readonly ok: false; readonly code: ErrorCode };

export interface StoreSecretResolverOptions {
  /** Where encrypted secrets live. */
  readonly store: SecretRepo;
  /** The master key; without one, store secrets are unavailable (environment secrets still work). */
  readonly masterKey: MasterKey | undefined;
  /** How long a store secret is served from memory, in ms (default 5000; 0 reads every time). */
  readonly ttlMs?: number;
  /** If > 0, re-read every store secret resolved so far at this interval (ms), firing onRotate. */
  readonly watchIntervalMs?: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
  /** Told every value handed out, so the gateway can scrub it from anything an upstream echoes. */
  readonly scrubber?: SecretScrubber;
  /** Where a failing rotation listener is reported (by secret name only). */
  readonly log?: Logger;
}

interface CacheEntry {
  readonly value: string;
  readonly version: number;
  readonly expiresAt: number;
}

/** What was last seen of a secret: its version and nonce (unique per set), or null if missing. */
type Observation = { readonly version: number; readonly nonce: string } | null;

/** Resolves secrets from the environment and the encrypted store; see the file comment for rotation. */
export class StoreSecretResolver implements SecretResolver {
  readonly #store: SecretRepo;
  readonly #key: MasterKey | undefined;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #scrubber: SecretScrubber | undefined;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inflight = new Map<string, Promise<CacheEntry>>();
  readonly #seen = new Map<string, Observation>();
  readonly #listeners = new Set<(rotation: SecretRotation) => void>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: StoreSecretResolverOptions) {
    const ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
    const watch = options.watchIntervalMs ?? 0;
    if (!Number.isInteger(ttlMs) || ttlMs < 0 || !Number.isInteger(watch) || watch < 0) {
      throw new GatehouseError('INTERNAL_ERROR', 'StoreSecretResolver: ttlMs and watchIntervalMs must be whole numbers of ms >= 0.');
    }
    this.#store = options.store;
    this.#key = options.masterKey;
    this.#ttlMs = ttlMs;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? silentLogger;
    this.#scrubber = options.scrubber;
    if (watch > 0) {
      this.#timer = setInterval(() => void this.refresh(), watch);
      this.#timer.unref();
    }
  }

  /** The current value. @throws GatehouseError SECRET_UNAVAILABLE naming the secret. */
  async resolve(secret: Secret): Promise<string> {
    return (await this.resolveVersioned(secret)).value;
  }

  /**
   * The current value and its version; compare versions to notice a rotation.
   * @throws GatehouseError SECRET_UNAVAILABLE naming the secret.
   */
  async resolveVersioned(secret: Secret): Promise<ResolvedSecret> {
    if (secret.source === 'env') {
      const value = secret.reveal();
      this.#scrubber?.remember(secret.name, value);
      return { value, version: 0 };
    }
    const entry = await this.#load(secret.name, false);
    this.#scrubber?.remember(secret.name, entry.value);
    return { value: entry.value, version: entry.version };
  }

  /** Call `listener` on every rotation this resolver observes. Returns a function that unsubscribes. */
  onRotate(listener: (rotation: SecretRotation) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Re-read every store secret resolved so far, ignoring the TTL. Never throws; one outcome per name. */
  async refresh(): Promise<RefreshOutcome[]> {
    return Promise.all([...this.#seen.keys()].map(async (name): Promise<RefreshOutcome> => {
      try {
        return { name, ok: true, version: (await this.#load(name, true)).version };
      } catch (err) {
        return { name, ok: false, code: asGatehouseError(err).code };
      }
    }));
  }

  /** Whether a master key was given, so store secrets can be decrypted at all. */
  get hasMasterKey(): boolean {
    return this.#key !== undefined;
  }

  /** Stop the watch timer and drop every cached value and listener. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#cache.clear();
    this.#listeners.clear();
  }

  toString(): string {
    return `[StoreSecretResolver ${this.#cache.size} cached]`;
  }

  #load(name: string, force: boolean): Promise<CacheEntry> {
    const cached = this.#cache.get(name);
    if (!force && cached !== undefined && this.#now() < cached.expiresAt) return Promise.resolve(cached);
    let pending = this.#inflight.get(name);
    if (pending === undefined) {
      pending = this.#read(name).finally(() => this.#inflight.delete(name));
      this.#inflight.set(name, pending);
    }
    return pending;
  }

  async #read(name: string): Promise<CacheEntry> {
    this.#cache.delete(name);
    if (!isSecretName(name)) {
      throw new GatehouseError('SECRET_UNAVAILABLE', `Secret ${name} cannot exist: store secret names match ${SECRET_NAME.source}.`, { secret: name });
    }
    if (this.#key === undefined) {
      throw new GatehouseError('SECRET_UNAVAILABLE',
        `Secret ${name} cannot be opened: no master key is configured (GATEHOUSE_MASTER_KEY or secrets.master_key_file).`, { secret: name });
    }
    let row: SecretRow | undefined;
    try {
      row = await this.#store.getSecret(name);
    } catch (err) {
      throw new GatehouseError('SECRET_UNAVAILABLE', `Secret ${name} cannot be read from the store.`, { secret: name }, { cause: err });
    }
    this.#observe(name, row === undefined ? null : { version: row.version, nonce: row.nonce });
    if (row === undefined) throw new GatehouseError('SECRET_UNAVAILABLE', `Secret ${name} is not set.`, { secret: name });
    const entry = { value: openSecret(this.#key, name, row), version: row.version, expiresAt: this.#now() + this.#ttlMs };
    this.#cache.set(name, entry);
    return entry;
  }

  /** Record what the store holds now and tell listeners if it differs from the last observation. */
  #observe(name: string, now: Observation): void {
    const had = this.#seen.has(name);
    const before = this.#seen.get(name) ?? null;
    this.#seen.set(name, now);
    if (!had || (before === null && now === null)) return;
    if (before !== null && now !== null && before.version === now.version && before.nonce === now.nonce) return;
    const rotation: SecretRotation = { name, previousVersion: before?.version, version: now?.version };
    for (const listener of this.#listeners) {
      try {
        listener(rotation);
      } catch {
        this.#log.warn('secret rotation listener failed', { secret: name });
      }
    }
  }
}
