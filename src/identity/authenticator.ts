/**
 * Step 1 of the request path: who is calling. Checks the agent key against the store on every
 * request, so a revocation or expiry takes effect on the very next call, on every replica.
 */
import type { Config } from '../config/load.js';
import type { Agent, Caller, EndUser } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';
import type { Logger } from '../ops/logger.js';
import type { Store } from '../store/store.js';
import { keyIdOf, keyMatchesHash } from './agent-keys.js';
import { UserAssertionVerifier } from './user-assertion.js';

/** Raw credentials as they arrived (HTTP headers or stdio environment). */
export interface Credentials {
  /** The agent key (without "Bearer "). */
  readonly agentKey: string | undefined;
  /** The end-user assertion token, if the agent names a user. */
  readonly userAssertion: string | undefined;
}

/** last_used_at is written at most this often per key, to keep writes off the hot path. */
const TOUCH_INTERVAL_MS = 60_000;

export class Authenticator {
  readonly #store: Store;
  readonly #agents: ReadonlyMap<string, Agent>;
  readonly #users: UserAssertionVerifier | undefined;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #lastTouched = new Map<string, number>();

  constructor(store: Store, config: Config, log: Logger, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#agents = new Map(config.agents.map((a) => [a.name, agentFromConfig(a)]));
    this.#users = config.identity.userAssertion === undefined ? undefined : new UserAssertionVerifier(config);
    this.#log = log;
    this.#now = now;
  }

  /** Authenticate a request. Throws AUTH_* or USER_ASSERTION_* errors; never returns a partial caller. */
  async authenticate(credentials: Credentials): Promise<Caller> {
    const key = credentials.agentKey;
    if (key === undefined || key === '') throw new GatehouseError('AUTH_MISSING', 'No agent key was presented.');
    const keyId = keyIdOf(key);
    if (keyId === undefined) throw new GatehouseError('AUTH_INVALID', 'The presented credential is not a Gatehouse agent key.');
    const row = await this.#store.findKey(keyId);
    if (row === undefined || !keyMatchesHash(key, row.keyHash)) {
      throw new GatehouseError('AUTH_INVALID', 'The agent key is not valid.', { keyId });
    }
    const now = this.#now();
    if (row.revokedAt !== null) throw new GatehouseError('AUTH_REVOKED', 'The agent key was revoked.', { keyId, agent: row.agent });
    if (row.expiresAt !== null && Date.parse(row.expiresAt) <= now.getTime()) {
      throw new GatehouseError('AUTH_EXPIRED', 'The agent key has expired.', { keyId, agent: row.agent });
    }
    const agent = this.#agents.get(row.agent);
    if (agent === undefined) {
      throw new GatehouseError('AUTH_REVOKED', `Agent "${row.agent}" is no longer declared in the configuration.`, { keyId, agent: row.agent });
    }
    const user = await this.#endUser(agent, credentials.userAssertion);
    this.#touch(keyId, now);
    return { agent, keyId, user };
  }

  async #endUser(agent: Agent, assertion: string | undefined): Promise<EndUser | undefined> {
    if (assertion === undefined || assertion === '') return undefined;
    if (!agent.actForUsers || this.#users === undefined) {
      throw new GatehouseError('USER_ASSERTION_NOT_ALLOWED', `Agent "${agent.name}" sent a user assertion but may not act for users.`, { agent: agent.name });
    }
    return this.#users.verify(assertion);
  }

  #touch(keyId: string, now: Date): void {
    const last = this.#lastTouched.get(keyId) ?? 0;
    if (now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.#lastTouched.set(keyId, now.getTime());
    this.#store.touchKey(keyId, now.toISOString()).catch(() => {
      this.#log.warn('could not record agent key last use', { keyId });
    });
  }
}

export function agentFromConfig(a: Config['agents'][number]): Agent {
  return {
    name: a.name,
    owner: a.owner,
    description: a.description,
    groups: a.groups,
    attributes: a.attributes,
    actForUsers: a.act_for_users,
  };
}
