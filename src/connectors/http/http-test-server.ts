/**
 * Test support for the http connector's tests (not used by the gateway): a real HTTP server on
 * 127.0.0.1, port 0, that records every request and answers through a handler the test sets.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Secret } from '../../config/secret.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { SecretResolver } from '../../secrets/secret-resolver.js';
import type { HostLookup } from './egress.js';
import { type HttpConnectorConfig, httpConnectorSchema } from './http-config.js';

/** One request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** The request target exactly as sent (path and query, still encoded). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw header lines, to prove no header was added. */
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

/** Answers one request; may leave `res` open to simulate a hanging server. */
export type Handler = (req: RecordedRequest, res: ServerResponse) => void;

/** A running test server. */
export interface TestServer {
  readonly port: number;
  readonly origin: string;
  readonly requests: RecordedRequest[];
  handler: Handler;
  close(): Promise<void>;
}

/** Start a server on 127.0.0.1, port 0. */
export async function startServer(handler: Handler = (_req, res) => json(res, 200, {})): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const state = { handler };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      state.handler(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port, origin: `http://127.0.0.1:${port}`, requests,
    get handler() { return state.handler; },
    set handler(h: Handler) { state.handler = h; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Answer with JSON. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A resolver for env secrets (their load-time value) and store secrets from `store`, read on every call. */
export function testSecrets(store: Map<string, string> = new Map()): SecretResolver & { resolved: string[] } {
  const resolved: string[] = [];
  return {
    resolved,
    resolve: async (secret: Secret) => {
      resolved.push(secret.name);
      if (secret.source === 'env') return secret.reveal();
      const value = store.get(secret.name);
      if (value === undefined) throw new Error(`no secret ${secret.name}`);
      return value;
    },
  };
}

/** A lookup mapping names to fixed addresses; unknown names fail like NXDOMAIN. */
export function fixedLookup(table: Readonly<Record<string, readonly string[]>>): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (hostname: string) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (addresses === undefined) {
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      err.code = 'ENOTFOUND';
      throw err;
    }
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 as const : 4 as const }));
  };
  return Object.assign(lookup, { asked });
}

/** A parsed connector config with defaults, from the keys a test cares about. */
export function httpConfig(raw: Record<string, unknown>): HttpConnectorConfig {
  return httpConnectorSchema.parse({
    name: 'helpdesk', type: 'http', owner: 'ops', purpose: 'tickets', powers: ['read', 'search', 'draft', 'write', 'trigger'], ...raw,
  });
}

/** Assert that `promise` rejects with a GatehouseError of `code`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: string, what = code): Promise<GatehouseError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    assert.ok(err instanceof GatehouseError, `${what}: ${String(err)}`);
    assert.equal(err.code, code, what);
    return true;
  });
  return caught as GatehouseError;
}
