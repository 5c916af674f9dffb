/**
 * Credentials the gateway injects into upstream requests: bearer token, basic auth, an API-key
 * header, or an OAuth2 client-credentials access token. Secret values are resolved through the
 * SecretResolver for every request (every token request for OAuth2), so a rotated secret takes
 * effect without a restart. OAuth2 tokens are cached until shortly before they expire and fetched
 * once for all concurrent callers; a 401 drops the token so the next attempt gets a fresh one.
 *
 * Every value applied is reported back as `redact`, so the connector can scrub it from anything an
 * upstream echoes. Values never appear in errors or logs.
 */
import { Secret } from '../../config/secret.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { SecretResolver } from '../../secrets/secret-resolver.js';
import { configValue } from '../config-value.js';
import type { HttpAuthConfig } from './http-config.js';

/** What credentials add to one request. */
export interface AppliedCredentials {
  readonly headers: Readonly<Record<string, string>>;
  /** Values to scrub from results (secrets and values derived from them). */
  readonly redact: readonly string[];
  /** The OAuth2 access token used, to invalidate on 401. */
  readonly token: string | undefined;
}

/** A token endpoint's answer as the transport read it. */
export interface TokenResponse {
  readonly status: number;
  readonly json: unknown;
}

/** Sends the token request through the connector's guarded transport, bounded by its timeout. */
export type TokenRequester = (url: URL, headers: Readonly<Record<string, string>>, body: string) => Promise<TokenResponse>;

/** Injects credentials into requests. */
export interface Credentials {
  /** Header names set by these credentials (operations may not set them). */
  readonly headerNames: readonly string[];
  /** Headers for one request. The shared token request is not tied to any one caller's cancellation. */
  apply(): Promise<AppliedCredentials>;
  /** The upstream answered 401 to `applied`; true when a fresh attempt may succeed (a new OAuth2 token). */
  rejected(applied: AppliedCredentials): boolean;
}

/** What credentials need from the connector. */
export interface CredentialDeps {
  readonly secrets: SecretResolver;
  readonly requestToken: TokenRequester;
  /** Clock in ms (tests advance it to expire tokens). */
  readonly now: () => number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Tokens without `expires_in` are reused at most this long. */
export const DEFAULT_TOKEN_LIFETIME_MS = 60 * 60 * 1000;
/** A token is renewed this long before it expires (at most half its lifetime). */
export const TOKEN_RENEW_EARLY_MS = 30_000;
/** Values shorter than this are not scrubbed from results (they would mangle unrelated text). */
export const MIN_REDACT_LENGTH = 4;

const HEADER_SAFE = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;

async function reveal(value: string | Secret, secrets: SecretResolver): Promise<string> {
  if (typeof value === 'string') return value;
  let resolved: string;
  try {
    resolved = await secrets.resolve(value);
  } catch (err) {
    if (err instanceof GatehouseError) throw err;
    throw new GatehouseError('SECRET_UNAVAILABLE', `Secret ${value.reference} could not be resolved.`, { secret: value.name });
  }
  if (resolved === '' || !HEADER_SAFE.test(resolved)) {
    throw new GatehouseError('SECRET_UNAVAILABLE', `Secret ${value.reference} is empty or not usable in an HTTP header.`, { secret: value.name });
  }
  return resolved;
}

function redactable(values: readonly string[]): string[] {
  return values.filter((v) => v.length >= MIN_REDACT_LENGTH);
}

/** Build the credentials of an `auth` setting. Throws CONFIG_* for unusable settings. */
export function createCredentials(auth: HttpAuthConfig, where: string, deps: CredentialDeps): Credentials {
  const at = `${where}.auth`;
  switch (auth.type) {
    case 'none':
      return { headerNames: [], apply: async () => ({ headers: {}, redact: [], token: undefined }), rejected: () => false };
    case 'bearer': {
      const token = configValue(auth.token, `${at}.token`, deps.env);
      return {
        headerNames: ['authorization'],
        apply: async () => {
          const value = await reveal(token, deps.secrets);
          return { headers: { authorization: `Bearer ${value}` }, redact: redactable([value]), token: undefined };
        },
        rejected: () => false,
      };
    }
    case 'basic': {
      const username = configValue(auth.username, `${at}.username`, deps.env);
      const password = configValue(auth.password, `${at}.password`, deps.env);
      if (typeof username === 'string' && username.includes(':')) throw new GatehouseError('CONFIG_INVALID', `${at}.username: must not contain ":".`);
      return {
        headerNames: ['authorization'],
        apply: async () => {
          const [user, pass] = [await reveal(username, deps.secrets), await reveal(password, deps.secrets)];
          if (user.includes(':')) throw new GatehouseError('SECRET_UNAVAILABLE', 'The basic-auth user name contains ":".');
          const encoded = Buffer.from(`${user}:${pass}`, 'utf8').toString('base64');
          return { headers: { authorization: `Basic ${encoded}` }, redact: redactable([pass, encoded]), token: undefined };
        },
        rejected: () => false,
      };
    }
    case 'api_key': {
      const value = configValue(auth.value, `${at}.value`, deps.env);
      const header = auth.header.toLowerCase();
      return {
        headerNames: [header],
        apply: async () => {
          const key = await reveal(value, deps.secrets);
          return { headers: { [header]: key }, redact: redactable([key]), token: undefined };
        },
        rejected: () => false,
      };
    }
    case 'oauth2_client_credentials':
      return new ClientCredentials(auth, at, deps);
  }
}

type OAuthConfig = Extract<HttpAuthConfig, { type: 'oauth2_client_credentials' }>;

interface CachedToken {
  readonly token: string;
  readonly renewAt: number;
}

/** OAuth2 client credentials grant (RFC 6749 §4.4) with a cached, single-flight token. */
class ClientCredentials implements Credentials {
  readonly headerNames = ['authorization'];
  readonly #url: URL;
  readonly #clientId: string | Secret;
  readonly #clientSecret: string | Secret;
  readonly #config: OAuthConfig;
  readonly #deps: CredentialDeps;
  #cached: CachedToken | undefined;
  #pending: Promise<CachedToken> | undefined;
  /** Client secret of the last token request, still scrubbed from results. */
  #lastSecret: string | undefined;

  constructor(config: OAuthConfig, at: string, deps: CredentialDeps) {
    this.#url = new URL(config.token_url);
    this.#clientId = configValue(config.client_id, `${at}.client_id`, deps.env);
    this.#clientSecret = configValue(config.client_secret, `${at}.client_secret`, deps.env);
    this.#config = config;
    this.#deps = deps;
  }

  async apply(): Promise<AppliedCredentials> {
    const cached = this.#cached;
    const current = cached !== undefined && this.#deps.now() < cached.renewAt ? cached : await this.#fetch();
    return {
      headers: { authorization: `Bearer ${current.token}` },
      redact: redactable([current.token, ...(this.#lastSecret === undefined ? [] : [this.#lastSecret])]),
      token: current.token,
    };
  }

  rejected(applied: AppliedCredentials): boolean {
    if (applied.token === undefined) return false;
    if (this.#cached?.token === applied.token) this.#cached = undefined;
    return true;
  }

  /** One token request at a time; every caller waiting meanwhile gets its token. */
  #fetch(): Promise<CachedToken> {
    this.#pending ??= this.#request().then((token) => {
      this.#cached = token;
      return token;
    }).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #request(): Promise<CachedToken> {
    const id = await reveal(this.#clientId, this.#deps.secrets);
    const secret = await reveal(this.#clientSecret, this.#deps.secrets);
    this.#lastSecret = secret;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.#config.scope !== undefined) form.set('scope', this.#config.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.#config.client_auth === 'basic') {
      // RFC 6749 §2.3.1: form-encode id and secret before joining them.
      const pair = `${formEncode(id)}:${formEncode(secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', id);
      form.set('client_secret', secret);
    }
    const started = this.#deps.now();
    const response = await this.#deps.requestToken(this.#url, headers, form.toString());
    return parseTokenResponse(response, started);
  }
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Read a token endpoint answer. Throws CONNECTOR_UNAVAILABLE when it holds no usable bearer token. */
export function parseTokenResponse(response: TokenResponse, issuedAt: number): CachedToken {
  const fail = (problem: string) => new GatehouseError('CONNECTOR_UNAVAILABLE', `The OAuth2 token endpoint ${problem}.`, { status: response.status });
  if (response.status < 200 || response.status > 299) throw fail(`refused the client credentials (HTTP ${response.status})`);
  const body = response.json;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw fail('answered without a JSON object');
  const { access_token: token, token_type: type, expires_in: expiresIn } = body as Record<string, unknown>;
  if (typeof token !== 'string' || !HEADER_SAFE.test(token) || token.includes(' ')) throw fail('answered without a usable access_token');
  if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer')) throw fail('issued a token that is not a bearer token');
  const seconds = typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' ? Number(expiresIn) : NaN;
  const lifetime = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, DEFAULT_TOKEN_LIFETIME_MS) : DEFAULT_TOKEN_LIFETIME_MS;
  return { token, renewAt: issuedAt + lifetime - Math.min(TOKEN_RENEW_EARLY_MS, lifetime / 2) };
}
