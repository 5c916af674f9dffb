/**
 * One call of an `http` operation: credentials applied, retries for idempotent operations only
 * (after a timeout, a failed connection, 408, 429 or 5xx; exponential backoff with full jitter,
 * bounded by `retries` and MAX_BACKOFF_MS), one repeat with a fresh OAuth2 token after a 401, and
 * the answer turned into data or a typed error:
 *
 *   2xx            -> JSON (or text) body; non-JSON where JSON is expected -> UPSTREAM_ERROR
 *   401            -> CONNECTOR_UNAVAILABLE (the gateway's credentials were refused)
 *   other 3xx, 4xx -> UPSTREAM_REJECTED (status only; the upstream's body is not passed on)
 *   5xx            -> UPSTREAM_ERROR
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GatehouseError } from '../../errors/catalog.js';
import type { Credentials } from './credentials.js';
import type { HttpOperation } from './http-operations.js';
import type { HttpTransport, UpstreamResponse } from './http-transport.js';
import type { BuiltRequest } from './request-builder.js';

/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 5_000;
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set(['UPSTREAM_TIMEOUT', 'CONNECTOR_UNAVAILABLE']);

/** What a call needs. */
export interface CallDeps {
  readonly transport: HttpTransport;
  readonly credentials: Credentials;
  readonly base: URL;
  readonly retries: number;
  /** First backoff step in ms (doubles per attempt). */
  readonly retryBaseMs: number;
  readonly signal: AbortSignal;
  readonly random?: () => number;
}

/** The final answer of a call and what to scrub from it. */
export interface CallOutcome {
  readonly response: UpstreamResponse;
  readonly redact: readonly string[];
  readonly attempts: number;
}

/** Delay before attempt `attempt + 1`: full jitter over base·2^(attempt-1), or Retry-After, capped. Pure. */
export function backoffMs(attempt: number, baseMs: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_BACKOFF_MS);
  const ceiling = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(random() * ceiling);
}

/** Retry-After in ms (seconds or HTTP date), undefined when absent or unusable. */
export function retryAfterMs(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const BASE_HEADERS = { 'user-agent': 'gatehouse-http-connector', 'accept-encoding': 'identity' };

/** The error of a call its caller cancelled (not a fault of the upstream). */
export function cancelled(): GatehouseError {
  return new GatehouseError('UPSTREAM_TIMEOUT', 'The call was cancelled before the upstream answered.', { cancelled: true });
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw cancelled();
  }
}

/** Run the call, repeating it where that is safe. Throws GatehouseError. */
export async function performCall(op: HttpOperation, request: BuiltRequest, deps: CallDeps): Promise<CallOutcome> {
  const random = deps.random ?? Math.random;
  const accept = op.responseKind === 'json' ? 'application/json' : 'text/plain, */*;q=0.5';
  let attempt = 0;
  let refreshed = false;
  for (;;) {
    if (deps.signal.aborted) throw cancelled();
    attempt += 1;
    const credentials = await deps.credentials.apply();
    let response: UpstreamResponse;
    try {
      response = await deps.transport.send(
        { method: request.method, url: request.url, body: request.body, headers: { ...BASE_HEADERS, accept, ...request.headers, ...credentials.headers } },
        { signal: deps.signal, redirectScope: deps.base },
      );
    } catch (err) {
      const retryable = err instanceof GatehouseError && RETRY_CODES.has(err.code) && err.details.cancelled !== true;
      if (!retryable || !op.idempotent || attempt > deps.retries) throw err;
      await pause(backoffMs(attempt, deps.retryBaseMs, undefined, random), deps.signal);
      continue;
    }
    if (response.status === 401 && !refreshed && deps.credentials.rejected(credentials)) {
      // The token was refused before anything ran: one repeat with a fresh token, even for writes.
      refreshed = true;
      attempt -= 1;
      continue;
    }
    if (RETRY_STATUSES.has(response.status) && op.idempotent && attempt <= deps.retries) {
      await pause(backoffMs(attempt, deps.retryBaseMs, retryAfterMs(response.headers['retry-after']), random), deps.signal);
      continue;
    }
    return { response, redact: credentials.redact, attempts: attempt };
  }
}

/** The body of a successful answer: parsed JSON (null when empty) or text. */
export type ResponseData = { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'text'; readonly value: string };

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/i;

/** Turn a final answer into data, or the error for its status. Pure. */
export function interpretResponse(op: HttpOperation, response: UpstreamResponse): ResponseData {
  const { status } = response;
  if (status === 401) {
    throw new GatehouseError('CONNECTOR_UNAVAILABLE', 'The upstream refused the gateway\'s credentials (HTTP 401).', { status });
  }
  if (status >= 500) throw new GatehouseError('UPSTREAM_ERROR', `The upstream failed (HTTP ${status}).`, { status });
  if (status < 200 || status > 299) throw new GatehouseError('UPSTREAM_REJECTED', `The upstream refused the request (HTTP ${status}).`, { status });
  const text = response.body.toString('utf8');
  if (op.responseKind === 'text') return { kind: 'text', value: text };
  if (op.method === 'HEAD' || status === 204 || response.body.length === 0) return { kind: 'json', value: null };
  const type = response.headers['content-type'];
  const media = typeof type === 'string' ? (type.split(';')[0] ?? '').trim() : '';
  if (media !== '' && !JSON_TYPE.test(media)) {
    throw new GatehouseError('UPSTREAM_ERROR', 'The upstream answered with something other than JSON.', { status });
  }
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    throw new GatehouseError('UPSTREAM_ERROR', 'The upstream answered with invalid JSON.', { status });
  }
}
