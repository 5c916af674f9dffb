/**
 * A real gateway for integration tests: a temporary workspace with the demo documents and policies,
 * a fresh store of the kind under test, an agent key, and the HTTP listener on 127.0.0.1:0.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { writeScaffold } from '../../src/cli/scaffold.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { createAgentKey } from '../../src/identity/agent-admin.js';
import { Gateway } from '../../src/main/gateway.js';
import { silentLogger, type Logger } from '../../src/ops/logger.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { freshStoreUrl } from './stores.js';

export interface GatewayFixture {
  readonly dir: string;
  readonly configFile: string;
  readonly storeUrl: string;
  readonly gateway: Gateway;
  readonly url: string;
  /** A valid key for the demo agent `support-bot`. */
  readonly key: string;
  /** Connect the official MCP client with a key (default: the fixture key). */
  client(key?: string, headers?: Record<string, string>): Promise<Client>;
  /** Start another gateway process-equivalent on the same store and config (a replica). */
  replica(): Promise<Gateway>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** Rewrite gatehouse.yaml before start (receives the scaffold text). */
  readonly editConfig?: (yaml: string) => string;
  /** Extra files to write into the workspace, relative path → content. */
  readonly files?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  /** Where the gateway logs (default: nowhere). */
  readonly log?: Logger;
  /** Runs on the fresh store before the gateway starts (e.g. to set encrypted secrets). */
  readonly beforeStart?: (store: Store, config: Config) => Promise<void>;
}

/** Start a gateway on a demo workspace and a fresh store. */
export async function startGatewayFixture(options: FixtureOptions = {}): Promise<GatewayFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const { configFile } = writeScaffold(dir, { demo: true });
  const { url: storeUrl, drop } = freshStoreUrl();
  let yaml = readFileSync(configFile, 'utf8').replace(/^store: .*$/m, `store: ${storeUrl}`);
  if (options.editConfig) yaml = options.editConfig(yaml);
  writeFileSync(configFile, yaml);
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  for (const [name, value] of Object.entries(options.env ?? {})) process.env[name] = value;

  const config = loadConfig(configFile);
  const store = await openStore(config.store);
  const { key } = await (async () => {
    await options.beforeStart?.(store, config);
    return createAgentKey(store, config, 'support-bot');
  })().finally(() => store.close());

  const log = options.log ?? silentLogger;
  const gateway = await Gateway.start({ configFile, log, listen: '127.0.0.1:0', watchConfig: false });
  const replicas: Gateway[] = [];
  const clients: Client[] = [];
  return {
    dir, configFile, storeUrl, gateway, url: gateway.url, key,
    async client(k = key, headers = {}) {
      const client = new Client({ name: 'gatehouse-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), {
        requestInit: { headers: { Authorization: `Bearer ${k}`, ...headers } },
      }));
      clients.push(client);
      return client;
    },
    async replica() {
      const other = await Gateway.start({ configFile, log, listen: '127.0.0.1:0', watchConfig: false });
      replicas.push(other);
      return other;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      for (const r of replicas) await r.close();
      await gateway.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POST a raw body to /mcp, for transport-level tests the SDK client would never send. */
export async function rawPost(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}
