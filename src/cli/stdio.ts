/**
 * `gatehouse stdio`: MCP over stdin/stdout for desktop clients that launch a command.
 * The agent key comes from GATEHOUSE_AGENT_KEY (and an optional GATEHOUSE_USER_ASSERTION) and is
 * checked again on every request, so a revocation stops the next call here too.
 */
import { performance } from 'node:perf_hooks';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '../domain/types.js';
import { asGatehouseError } from '../errors/catalog.js';
import { Gateway } from '../main/gateway.js';
import { createLogger } from '../ops/logger.js';
import { auditMcpRequest } from '../server/audit-mcp-request.js';
import { authInfoFor, createMcpServer, newRequestId } from '../server/mcp-server.js';
import { EXIT_OK, type Io } from './io.js';

interface StdioOptions {
  readonly config: string;
}

/** Wraps the SDK stdio transport: authenticates each incoming message before the server sees it. */
class AuthenticatingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  #queue: Promise<void> = Promise.resolve();
  /** Requests awaiting their response, so initialize/ping/unknown methods can be audited too. */
  readonly #open = new Map<string | number, { request: JSONRPCMessage; caller: Caller; started: number }>();

  constructor(private readonly inner: StdioServerTransport, private readonly gateway: Gateway) {
    inner.onclose = () => this.onclose?.();
    inner.onerror = (e) => this.onerror?.(e);
    // Authentication is async; chaining keeps messages in their arrival order.
    inner.onmessage = (message) => {
      this.#queue = this.#queue.then(() => this.#deliver(message));
    };
  }

  async #deliver(message: JSONRPCMessage): Promise<void> {
    const runtime = this.gateway.runtime;
    try {
      const caller = await runtime.authenticator.authenticate({
        agentKey: process.env.GATEHOUSE_AGENT_KEY,
        userAssertion: process.env.GATEHOUSE_USER_ASSERTION,
      });
      if ('id' in message && 'method' in message) this.#open.set(message.id, { request: message, caller, started: performance.now() });
      this.onmessage?.(message, { authInfo: authInfoFor({ caller, client: 'stdio' }) });
    } catch (err) {
      const error = asGatehouseError(err);
      const requestId = newRequestId();
      await runtime.audit.record({
        kind: 'auth_failure', requestId, actor: {}, decision: 'unauthenticated', policyIds: [], status: 'denied',
        errorCode: error.code, durationMs: 0, client: 'stdio',
      }).catch(() => undefined);
      if ('id' in message && 'method' in message) {
        await this.inner.send({
          jsonrpc: '2.0', id: message.id,
          error: { code: error.spec.jsonRpc, message: `${error.code}: ${error.message}`, data: { code: error.code, requestId } },
        });
      }
    }
  }

  start(): Promise<void> {
    return this.inner.start();
  }
  async send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    const id = 'id' in message && !('method' in message) ? message.id : undefined;
    const open = id === undefined ? undefined : this.#open.get(id);
    if (open !== undefined && id !== undefined) {
      this.#open.delete(id);
      await auditMcpRequest(this.gateway.runtime.audit, open.caller, 'stdio', open.request, message, Math.round(performance.now() - open.started));
    }
    // One client per process: every message, related or not, goes to stdout.
    return this.inner.send(message);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export function stdioCommand(_io: Io) {
  return async (o: StdioOptions): Promise<number> => {
    const log = createLogger();
    const gateway = await Gateway.start({ configFile: o.config, log, serveHttp: false });
    const server = createMcpServer(() => gateway.runtime);
    const closed = new Promise<void>((resolve) => {
      server.onclose = () => resolve();
    });
    await server.connect(new AuthenticatingTransport(new StdioServerTransport(), gateway));
    process.once('SIGHUP', () => void gateway.reload());
    await Promise.race([closed, new Promise<void>((resolve) => process.stdin.once('end', () => resolve()))]);
    await gateway.close();
    return EXIT_OK;
  };
}
