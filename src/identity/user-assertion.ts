/**
 * End-user assertions: how an agent says which person it acts for.
 *
 * The application hosting the agent (which has authenticated the user itself) mints a short-lived
 * JWT and the agent sends it as `X-Gatehouse-User: <jwt>` beside its own key. Gatehouse verifies
 * the signature (HS256 with a shared secret, or EdDSA/ES256/RS256 with the issuer's public key),
 * `iss`, `aud`, `exp`, `iat` (no older than max_age) and that `sub` is set. Claims used:
 * `sub` (user id), `groups` (string array), and `attributes` (object) restricted to the attribute
 * names the configuration declares. A user listed under `users:` gets its configured groups and
 * attributes merged with (and overriding) the token's.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { Config } from '../config/load.js';
import type { AttributeValue, EndUser } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';

export const USER_ASSERTION_HEADER = 'x-gatehouse-user';

const GROUP = /^[a-z0-9-]+$/;

/** Verifies user assertions against the configured issuer. Built once per configuration. */
export class UserAssertionVerifier {
  readonly #issuer: string;
  readonly #audience: string;
  readonly #maxAgeSeconds: number;
  readonly #key: KeyObject;
  readonly #algorithms: string[];
  readonly #attributeNames: ReadonlySet<string>;
  readonly #directory: ReadonlyMap<string, Config['users'][number]>;

  constructor(config: Config) {
    const settings = config.identity.userAssertion;
    if (settings === undefined) throw new Error('identity.user_assertion is not configured');
    this.#issuer = settings.issuer;
    this.#audience = settings.audience;
    this.#maxAgeSeconds = Math.floor(settings.maxAgeMs / 1000);
    if (settings.secret !== undefined) {
      this.#key = createSecretKey(Buffer.from(settings.secret.reveal(), 'utf8'));
      this.#algorithms = ['HS256'];
    } else {
      this.#key = createPublicKey(settings.publicKeyPem ?? '');
      this.#algorithms = ['EdDSA', 'ES256', 'RS256', 'PS256'];
    }
    this.#attributeNames = new Set([
      ...Object.keys(config.identity.userAttributes),
      ...config.users.flatMap((u) => Object.keys(u.attributes)),
    ]);
    this.#directory = new Map(config.users.map((u) => [u.id, u]));
  }

  /** Verify a token and return the user it names. Throws USER_ASSERTION_INVALID. */
  async verify(token: string): Promise<EndUser> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        issuer: this.#issuer,
        audience: this.#audience,
        algorithms: this.#algorithms,
        maxTokenAge: this.#maxAgeSeconds,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (err) {
      // jose's error codes (e.g. ERR_JWT_EXPIRED) are safe to report; its messages may quote claims.
      const reason = (err as { code?: string }).code ?? 'ERR_JWT_INVALID';
      throw new GatehouseError('USER_ASSERTION_INVALID', `The user assertion was refused (${reason}).`, { reason });
    }
    const id = payload.sub;
    if (typeof id !== 'string' || id.length === 0 || id.length > 256) {
      throw new GatehouseError('USER_ASSERTION_INVALID', 'The user assertion has no usable "sub" claim.', { reason: 'sub' });
    }
    const claimedGroups = Array.isArray(payload.groups) ? payload.groups.filter((g): g is string => typeof g === 'string' && GROUP.test(g)) : [];
    const claimedAttributes = this.#pickAttributes(payload.attributes);
    const listed = this.#directory.get(id);
    return {
      id,
      groups: [...new Set([...claimedGroups, ...(listed?.groups ?? [])])],
      attributes: { ...claimedAttributes, ...(listed?.attributes ?? {}) },
    };
  }

  #pickAttributes(raw: unknown): Record<string, AttributeValue> {
    const out: Record<string, AttributeValue> = {};
    if (raw === null || typeof raw !== 'object') return out;
    for (const [name, value] of Object.entries(raw)) {
      if (!this.#attributeNames.has(name)) continue;
      if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value))) out[name] = value;
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[name] = value;
    }
    return out;
  }
}
