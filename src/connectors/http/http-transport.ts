/**
 * The `http` connector's one network edge: sends a request over an undici Agent whose sockets
 * resolve names through `guardedLookup`, follows redirects by hand (at most MAX_REDIRECTS, only
 * within the connector's base URL), bounds each attempt by a timeout and reads at most
 * `maxBytes` of the body while it streams. Every failure becomes a GatehouseError:
 * EGRESS_DENIED, UPSTREAM_TIMEOUT, UPSTREAM_ERROR (oversized, redirect loops) or
 * CONNECTOR_UNAVAILABLE (cannot connect). No URL, header or body appears in an error.
 */
import { Agent, request } from 'undici';
import { GatehouseError } from '../../errors/catalog.js';
import { type AddressPolicy, checkHost, guardedLookup, type HostLookup } from './egress.js';
import type { HttpMethod } from './http-config.js';
import { isWithinBase } from './request-builder.js';

/** Most redirects followed for one request. */
export const MAX_REDIRECTS = 3;

/** A request on the wire. */
export interface OutgoingRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** An upstream answer, body read in full (within the cap). */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Per-request options. */
export interface SendOptions {
  /** The caller's cancellation. */
  readonly signal?: AbortSignal;
  /** Redirects are followed only to URLs within this base; undefined follows none. */
  readonly redirectScope?: URL;
}

/** How the transport is set up. */
export interface TransportOptions {
  readonly policy: AddressPolicy;
  readonly lookup: HostLookup | undefined;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Sends requests under the connector's egress policy. */
export class HttpTransport {
  readonly #agent: Agent;
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#agent = new Agent({
      connect: { lookup: guardedLookup(options.policy, options.lookup), timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  /** Send `req`, following redirects within `redirectScope`. One timeout bounds the whole attempt. */
  async send(req: OutgoingRequest, options: SendOptions = {}): Promise<UpstreamResponse> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    let current = req;
    try {
      for (let hop = 0; ; hop += 1) {
        const response = await this.#once(current, signal);
        if (!REDIRECTS.has(response.status)) return response;
        if (options.redirectScope === undefined) throw new GatehouseError('UPSTREAM_ERROR', 'The upstream answered with a redirect where none is followed.', { status: response.status });
        if (hop >= MAX_REDIRECTS) throw new GatehouseError('UPSTREAM_ERROR', `The upstream redirected more than ${MAX_REDIRECTS} times.`, { status: response.status });
        current = redirected(current, response, options.redirectScope);
      }
    } catch (err) {
      throw classify(err, timeout, options.signal);
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #once(req: OutgoingRequest, signal: AbortSignal): Promise<UpstreamResponse> {
    // Sockets skip name lookup for address literals: judge them here.
    checkHost(req.url.hostname, this.#options.policy);
    const response = await request(req.url, {
      dispatcher: this.#agent, method: req.method, headers: { ...req.headers }, body: req.body, signal,
    });
    // Destroying the body on purpose below must not surface as an unhandled stream error.
    response.body.on('error', () => {});
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.#options.maxBytes) {
      response.body.destroy();
      throw tooLarge(this.#options.maxBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > this.#options.maxBytes) {
        response.body.destroy();
        throw tooLarge(this.#options.maxBytes);
      }
      chunks.push(buffer);
    }
    return { status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) };
  }
}

function tooLarge(max: number): GatehouseError {
  return new GatehouseError('UPSTREAM_ERROR', `The upstream response is larger than max_response_bytes (${max}).`, { max_response_bytes: max });
}

/** The next request of a redirect, or EGRESS_DENIED when it leaves the base URL. Pure. */
export function redirected(req: OutgoingRequest, response: UpstreamResponse, scope: URL): OutgoingRequest {
  const location = response.headers.location;
  if (typeof location !== 'string' || location === '') {
    throw new GatehouseError('UPSTREAM_ERROR', 'The upstream answered with a redirect without a location.', { status: response.status });
  }
  let next: URL;
  try {
    next = new URL(location, req.url);
  } catch {
    throw new GatehouseError('UPSTREAM_ERROR', 'The upstream answered with a malformed redirect location.', { status: response.status });
  }
  if (!isWithinBase(next, scope)) {
    throw new GatehouseError('EGRESS_DENIED', 'The upstream redirected outside the connector base URL.', { status: response.status });
  }
  // 307/308 repeat the request as it was; 301/302/303 turn into a GET without a body (HEAD stays HEAD).
  if (response.status === 307 || response.status === 308 || req.method === 'HEAD') return { ...req, url: next };
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'content-type'));
  return { method: 'GET', url: next, headers, body: undefined };
}

function findGatehouseError(err: unknown): GatehouseError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    if (current instanceof GatehouseError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Map anything a send threw to a GatehouseError that carries no URL or payload. */
function classify(err: unknown, timeout: AbortSignal, caller: AbortSignal | undefined): GatehouseError {
  const known = findGatehouseError(err);
  if (known !== undefined) return known;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (timeout.aborted || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return new GatehouseError('UPSTREAM_TIMEOUT', 'The upstream did not answer within the connector timeout.', {}, { cause: err });
  }
  if (caller?.aborted === true) {
    return new GatehouseError('UPSTREAM_TIMEOUT', 'The call was cancelled before the upstream answered.', { cancelled: true });
  }
  return new GatehouseError('CONNECTOR_UNAVAILABLE', 'The upstream could not be reached.', typeof code === 'string' ? { cause: code } : {}, { cause: err });
}
