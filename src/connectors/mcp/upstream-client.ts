/**
 * One persistent MCP client per upstream, kept connected: the first connection is attempted at
 * start; when it drops (child exited, HTTP failure, protocol violation) it is re-established with
 * exponential backoff and jitter. Calls made while it is down fail at once with
 * CONNECTOR_UNAVAILABLE rather than piling up behind the backoff.
 *
 * Every request is bounded by the connector timeout; SDK and transport failures are mapped to the
 * gateway's error codes here (see `upstreamError`).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema, ErrorCode, ListToolsResultSchema, McpError, ToolListChangedNotificationSchema,
  type CallToolResult, type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { Logger } from '../../ops/logger.js';
import { ResponseTooLargeError, createTransport, type GuardedTransport, type TransportFailure, type UpstreamEndpoint } from './upstream-transport.js';

/** Most pages of tools/list read; most tools accepted from one upstream. */
const MAX_LIST_PAGES = 50;
const MAX_TOOLS = 5000;

/** Where the connection stands: `waiting` is the backoff before the next attempt. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'closed';

/** What the client needs: where to connect, bounds, and hooks into the connector. */
export interface UpstreamClientOptions {
  readonly connector: string;
  /** Where to connect, with secrets resolved; called for every attempt (secrets may rotate). */
  readonly endpoint: () => Promise<UpstreamEndpoint>;
  /** Bound on each tool call. */
  readonly timeoutMs: number;
  /** Bound on connecting (spawn, initialize) and on each tools/list page. */
  readonly connectTimeoutMs: number;
  /** Largest single message from the upstream. */
  readonly maxMessageBytes: number;
  readonly log: Logger;
  /**
   * Runs on every new connection before it serves calls, with a lister bound to it (the connector
   * re-assesses its tools). A throw drops the connection and schedules a retry.
   */
  readonly onConnected: (listTools: () => Promise<Tool[]>) => Promise<void>;
  /** The upstream announced that its tool list changed. */
  readonly onToolsChanged: () => void;
  /** First reconnect delay (doubles per failed attempt, with jitter) and its cap, in ms. */
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
}

/** Connection facts for health(). */
export interface UpstreamStatus {
  readonly state: ConnectionState;
  readonly connectedAt: string | undefined;
  readonly lastErrorCode: string | undefined;
  readonly reconnects: number;
}

interface Connection {
  readonly client: Client;
  readonly transport: GuardedTransport;
}

/** Describe a transport failure as the error a call gets. */
function failureError(failure: TransportFailure, connector: string): GatehouseError {
  return failure === 'oversize'
    ? new GatehouseError('UPSTREAM_ERROR', `The upstream of connector "${connector}" sent a message larger than the limit; the connection was reset.`, { connector })
    : new GatehouseError('UPSTREAM_ERROR', `The upstream of connector "${connector}" sent a malformed message; the connection was reset.`, { connector });
}

const REJECTED = new Set<number>([ErrorCode.InvalidParams, ErrorCode.InvalidRequest, ErrorCode.MethodNotFound]);

/**
 * The gateway error for anything an upstream request failed with. `broken` says whether the
 * connection itself is suspect (to be dropped and re-established).
 */
export function upstreamError(err: unknown, connector: string, failure: TransportFailure | undefined): { error: GatehouseError; broken: boolean } {
  const details = { connector };
  if (err instanceof GatehouseError) return { error: err, broken: false };
  if (failure !== undefined) return { error: failureError(failure, connector), broken: true };
  if (err instanceof ResponseTooLargeError) return { error: failureError('oversize', connector), broken: true };
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) {
      return { error: new GatehouseError('UPSTREAM_TIMEOUT', `The upstream of connector "${connector}" did not answer in time.`, details), broken: false };
    }
    if (err.code === ErrorCode.ConnectionClosed) {
      return { error: new GatehouseError('CONNECTOR_UNAVAILABLE', `The connection to the upstream of connector "${connector}" was lost.`, details), broken: true };
    }
    const code = REJECTED.has(err.code) ? 'UPSTREAM_REJECTED' : 'UPSTREAM_ERROR';
    return { error: new GatehouseError(code, `The upstream of connector "${connector}" answered with JSON-RPC error ${err.code}.`, details), broken: false };
  }
  if (err instanceof SyntaxError || (err instanceof Error && (err.name === 'ZodError' || err.name === '$ZodError'))) {
    return { error: new GatehouseError('UPSTREAM_ERROR', `The upstream of connector "${connector}" sent an invalid response.`, details), broken: false };
  }
  return { error: new GatehouseError('CONNECTOR_UNAVAILABLE', `The upstream of connector "${connector}" is unreachable.`, details, { cause: err }), broken: true };
}

/** A kept-alive MCP client for one upstream. Construct, `start()`, and `close()` when done. */
export class UpstreamClient {
  readonly #o: UpstreamClientOptions;
  #state: ConnectionState = 'idle';
  #ready: Connection | undefined;
  #connecting: Promise<Connection> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #connectedAt: string | undefined;
  #lastErrorCode: string | undefined;
  #reconnects = 0;

  constructor(options: UpstreamClientOptions) {
    this.#o = options;
  }

  /** Attempt the first connection. Resolves either way; on failure, retries are scheduled. */
  async start(): Promise<boolean> {
    try {
      await this.#connect();
      return true;
    } catch {
      return false;
    }
  }

  status(): UpstreamStatus {
    return { state: this.#state, connectedAt: this.#connectedAt, lastErrorCode: this.#lastErrorCode, reconnects: this.#reconnects };
  }

  /** Wait for a connection attempt in progress, if any; true when connected afterwards. */
  async settled(): Promise<boolean> {
    await this.#connecting?.catch(() => undefined);
    return this.#ready !== undefined;
  }

  /** The upstream's tools over the live connection (all pages, bounded). */
  async listTools(): Promise<Tool[]> {
    return this.#withConnection((c) => listAll(c.client, this.#o.connectTimeoutMs));
  }

  /** Call a tool over the live connection, bounded by the timeout and `signal`. */
  async callTool(name: string, args: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<CallToolResult> {
    return this.#withConnection((c) => c.client.request(
      { method: 'tools/call', params: { name, arguments: { ...args } } },
      CallToolResultSchema,
      { timeout: this.#o.timeoutMs, maxTotalTimeout: this.#o.timeoutMs, signal },
    ), signal);
  }

  async close(): Promise<void> {
    this.#state = 'closed';
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const connection = this.#ready ?? await this.#connecting?.catch(() => undefined);
    this.#ready = undefined;
    await connection?.client.close().catch(() => undefined);
  }

  async #withConnection<T>(run: (c: Connection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    // Never waits for a connection in progress: its tool assessment may be queued behind the caller.
    const connection = this.#ready;
    if (connection === undefined) {
      throw new GatehouseError('CONNECTOR_UNAVAILABLE', `The upstream of connector "${this.#o.connector}" is not connected.`, { connector: this.#o.connector });
    }
    try {
      return await run(connection);
    } catch (err) {
      signal?.throwIfAborted();
      const { error, broken } = upstreamError(err, this.#o.connector, connection.transport.failure);
      this.#lastErrorCode = error.code;
      if (broken) this.#drop(connection, error.code);
      throw error;
    }
  }

  #connect(): Promise<Connection> {
    if (this.#connecting !== undefined) return this.#connecting;
    this.#state = 'connecting';
    const attempt = this.#open().then((connection) => {
      if (this.#state === 'closed') {
        void connection.client.close().catch(() => undefined);
        throw new GatehouseError('CONNECTOR_UNAVAILABLE', `Connector "${this.#o.connector}" is closed.`);
      }
      this.#ready = connection;
      this.#state = 'connected';
      this.#attempt = 0;
      this.#connectedAt = new Date().toISOString();
      this.#o.log.info('mcp upstream connected', { connector: this.#o.connector });
      return connection;
    }, (err: unknown) => {
      const code = err instanceof GatehouseError ? err.code : 'CONNECTOR_UNAVAILABLE';
      this.#lastErrorCode = code;
      this.#o.log.warn('mcp upstream connection failed', { connector: this.#o.connector, code });
      this.#scheduleReconnect();
      throw err;
    }).finally(() => {
      this.#connecting = undefined;
    });
    this.#connecting = attempt;
    return attempt;
  }

  /** Spawn or reach the upstream, initialize, and let the connector assess its tools. */
  async #open(): Promise<Connection> {
    const endpoint = await this.#o.endpoint();
    const requestTimeoutMs = Math.max(this.#o.timeoutMs, this.#o.connectTimeoutMs) + 5000;
    const transport = createTransport(endpoint, { maxMessageBytes: this.#o.maxMessageBytes, requestTimeoutMs });
    const client = new Client({ name: 'gatehouse', version: '0.1.0' }, { capabilities: {} });
    const connection: Connection = { client, transport };
    client.onerror = () => undefined; // transport noise; failures surface on the requests they affect
    client.onclose = () => this.#closed(connection);
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.#ready === connection) this.#o.onToolsChanged();
    });
    try {
      await client.connect(transport, { timeout: this.#o.connectTimeoutMs });
      await this.#o.onConnected(() => listAll(client, this.#o.connectTimeoutMs));
    } catch (err) {
      await client.close().catch(() => undefined);
      throw upstreamError(err, this.#o.connector, transport.failure).error;
    }
    return connection;
  }

  /** Close a suspect connection; its onclose schedules the reconnect. */
  #drop(connection: Connection, code: string): void {
    if (this.#ready !== connection) return;
    this.#o.log.warn('mcp upstream connection dropped', { connector: this.#o.connector, code });
    void connection.client.close().catch(() => undefined);
  }

  #closed(connection: Connection): void {
    if (this.#ready !== connection) return;
    this.#ready = undefined;
    if (this.#state === 'closed') return;
    this.#o.log.warn('mcp upstream disconnected', { connector: this.#o.connector });
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#state === 'closed' || this.#timer !== undefined) return;
    this.#state = 'waiting';
    const base = Math.min(this.#o.maxReconnectDelayMs, this.#o.reconnectDelayMs * 2 ** Math.min(this.#attempt, 20));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.#attempt += 1;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#state === 'closed') return;
      this.#reconnects += 1;
      this.#connect().catch(() => undefined);
    }, delay);
    this.#timer.unref();
  }
}

/** Every page of tools/list, bounded in pages and tools. */
export async function listAll(client: Client, timeoutMs: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
    const result = await client.request(
      { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
      ListToolsResultSchema,
      { timeout: timeoutMs, maxTotalTimeout: timeoutMs },
    );
    tools.push(...result.tools);
    if (tools.length > MAX_TOOLS) throw new GatehouseError('UPSTREAM_ERROR', `The upstream offers more than ${MAX_TOOLS} tools.`);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
  }
  throw new GatehouseError('UPSTREAM_ERROR', `The upstream's tool list has more than ${MAX_LIST_PAGES} pages.`);
}
