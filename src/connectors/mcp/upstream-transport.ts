/**
 * Transports to an upstream MCP server, bounded so that a misbehaving upstream costs a clear error
 * instead of memory or a hung call:
 *
 * - stdio: the SDK's StdioClientTransport with its read buffer capped at `maxMessageBytes`; the
 *   child gets a minimal environment plus the configured one, and its stderr is discarded
 *   (it would otherwise interleave with the gateway's JSON log lines).
 * - Streamable HTTP: the SDK's StreamableHTTPClientTransport with a fetch that caps each response
 *   body (each event, for event streams) at `maxMessageBytes` and aborts a POST that outlives the
 *   call timeout, so no request is left hanging after the caller gave up.
 *
 * Both are wrapped in a GuardedTransport: a message that is too large or not JSON-RPC at all is a
 * protocol violation, so the connection is dropped (pending calls fail at once, with the reason)
 * and re-established, rather than left waiting for a response that will never be recognised.
 */
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** Why a GuardedTransport dropped its connection. */
export type TransportFailure = 'oversize' | 'malformed';

/** Raised inside a bounded response body when it grows past the limit. */
export class ResponseTooLargeError extends Error {
  constructor(limit: number) {
    super(`upstream response exceeded ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** What an error reported by an inner transport says about the upstream, if anything fatal. */
export function classifyTransportError(err: unknown): TransportFailure | undefined {
  if (err instanceof ResponseTooLargeError) return 'oversize';
  if (!(err instanceof Error)) return undefined;
  if (err.message.includes('ReadBuffer exceeded maximum size')) return 'oversize';
  if (err instanceof SyntaxError || err.name === 'ZodError' || err.name === '$ZodError') return 'malformed';
  return undefined;
}

/** Delegates to an SDK transport; drops the connection on oversize or malformed messages. */
export class GuardedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  readonly #inner: Transport;
  #failure: TransportFailure | undefined;

  constructor(inner: Transport) {
    this.#inner = inner;
  }

  /** Why the connection was dropped by the guard, if it was. */
  get failure(): TransportFailure | undefined {
    return this.#failure;
  }

  get sessionId(): string | undefined {
    return this.#inner.sessionId;
  }

  async start(): Promise<void> {
    this.#inner.onmessage = (message, extra) => this.onmessage?.(message, extra);
    this.#inner.onerror = (error) => {
      const failure = classifyTransportError(error);
      if (failure !== undefined) this.fail(failure);
      this.onerror?.(error);
    };
    this.#inner.onclose = () => this.onclose?.();
    await this.#inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.#inner.send(message, options);
  }

  setProtocolVersion(version: string): void {
    this.#inner.setProtocolVersion?.(version);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Drop the connection for `failure` (first failure wins). */
  fail(failure: TransportFailure): void {
    if (this.#failure !== undefined) return;
    this.#failure = failure;
    this.#inner.close().catch(() => undefined);
  }
}

/** Where and how to reach an upstream, with every secret already resolved. */
export type UpstreamEndpoint =
  | { readonly kind: 'stdio'; readonly command: string; readonly args: readonly string[]; readonly cwd: string | undefined; readonly env: Readonly<Record<string, string>> }
  | { readonly kind: 'http'; readonly url: string; readonly headers: Readonly<Record<string, string>> };

/** Bounds applied by the transport. */
export interface TransportLimits {
  /** Largest single JSON-RPC message (stdio line, HTTP body or SSE event), in bytes. */
  readonly maxMessageBytes: number;
  /** POSTs are aborted after this long (the SDK's request timeout fires first). */
  readonly requestTimeoutMs: number;
}

/** A fresh, unstarted, guarded transport for one connection attempt. */
export function createTransport(endpoint: UpstreamEndpoint, limits: TransportLimits): GuardedTransport {
  if (endpoint.kind === 'stdio') {
    return new GuardedTransport(new StdioClientTransport({
      command: endpoint.command,
      args: [...endpoint.args],
      env: { ...endpoint.env },
      ...(endpoint.cwd === undefined ? {} : { cwd: endpoint.cwd }),
      stderr: 'ignore',
      maxBufferSize: limits.maxMessageBytes,
    }));
  }
  let guard: GuardedTransport | undefined = undefined;
  const fetch = boundedFetch(limits, () => guard?.fail('oversize'));
  guard = new GuardedTransport(new StreamableHTTPClientTransport(new URL(endpoint.url), {
    requestInit: { headers: { ...endpoint.headers } },
    fetch,
    reconnectionOptions: { initialReconnectionDelay: 1000, maxReconnectionDelay: 30_000, reconnectionDelayGrowFactor: 1.5, maxRetries: 2 },
  }));
  return guard;
}

/** Statuses whose responses have no body (and cannot be rebuilt with one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch whose response bodies are capped at `maxMessageBytes` (per event for event streams),
 * calling `onOversize` when one is cut off, and whose POSTs are aborted after `requestTimeoutMs`.
 */
export function boundedFetch(limits: TransportLimits, onOversize: () => void): FetchLike {
  return async (url, init) => {
    const signals = [init?.signal, init?.method === 'POST' ? AbortSignal.timeout(limits.requestTimeoutMs) : undefined]
      .filter((s): s is AbortSignal => s !== undefined && s !== null);
    const response = await fetch(url, { ...init, signal: signals.length > 0 ? AbortSignal.any(signals) : null });
    if (response.body === null || NULL_BODY.has(response.status)) return response;
    const perEvent = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    const body = response.body.pipeThrough(limitStream(limits.maxMessageBytes, perEvent, onOversize));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/**
 * Passes bytes through until more than `limit` arrive (in total, or since the last blank line when
 * `perEvent`), then errors the stream with ResponseTooLargeError.
 */
function limitStream(limit: number, perEvent: boolean, onOversize: () => void): TransformStream<Uint8Array, Uint8Array> {
  let count = 0;
  let lineLength = 0;
  return new TransformStream({
    transform(chunk, controller) {
      if (perEvent) {
        for (const byte of chunk) {
          count += 1;
          if (byte === 0x0a) {
            if (lineLength === 0) count = 0;
            lineLength = 0;
          } else if (byte !== 0x0d) {
            lineLength += 1;
          }
          if (count > limit) break;
        }
      } else {
        count += chunk.byteLength;
      }
      if (count > limit) {
        onOversize();
        controller.error(new ResponseTooLargeError(limit));
        return;
      }
      controller.enqueue(chunk);
    },
  });
}
