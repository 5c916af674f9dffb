/**
 * Added latency of the gateway per tool call, against calling the files connector directly
 * in-process. The gateway runs as its own process (`gatehouse serve`), as in production; the client
 * is the official MCP SDK client over HTTP, plus a raw JSON-RPC POST to separate client overhead, and
 * a plain JSON-RPC hop to the same connector (bench/plain-hop-server.ts) as the no-gateway baseline.
 *
 *   npm run build && node dist/bench/gateway-bench.js [--runs 5] [--calls 300] [--store sqlite|postgres]
 *
 * Reports per-call median and p99 (medians over runs) and the ratio to the direct call.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { writeScaffold } from '../src/cli/scaffold.js';
import { loadConfig } from '../src/config/load.js';
import type { FilesConnectorConfig } from '../src/config/schema.js';
import { createFilesConnector } from '../src/connectors/files/files-connector.js';
import { createAgentKey } from '../src/identity/agent-admin.js';
import { silentLogger } from '../src/ops/logger.js';
import { openStore } from '../src/store/open-store.js';
import { freshStoreUrl } from '../test/support/stores.js';
import { integerOption } from './bench-options.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    calls: { type: 'string', default: '300' },
    store: { type: 'string', default: 'sqlite' },
  },
});
const RUNS = integerOption('runs', values.runs, 1, 100);
const CALLS = integerOption('calls', values.calls, 1, 100_000);
const WARMUP = 50;
const BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));

interface Stats { median: number; p99: number }

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function measure(call: () => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < WARMUP; i++) await call();
  const medians: number[] = [];
  const p99s: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const times: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      await call();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    medians.push(quantile(times, 0.5));
    p99s.push(quantile(times, 0.99));
  }
  medians.sort((a, b) => a - b);
  p99s.sort((a, b) => a - b);
  return { median: quantile(medians, 0.5), p99: quantile(p99s, 0.5) };
}

const PLAIN_HOP = fileURLToPath(new URL('./plain-hop-server.js', import.meta.url));

/** Spawn a server process and wait for the URL it prints on stderr. */
async function startServer(args: string[], ready: RegExp): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('gateway did not start')), 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = ready.exec(buffer);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${buffer}`)));
  });
  return {
    url,
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const { url: storeUrl, drop } = freshStoreUrl(values.store === 'postgres' ? 'postgres' : 'sqlite');
  const { configFile } = writeScaffold(dir, { demo: true });
  writeFileSync(configFile, readFileSync(configFile, 'utf8').replace(/^store: .*$/m, `store: ${storeUrl}`));
  const config = loadConfig(configFile);
  const store = await openStore(config.store);
  const { key } = await createAgentKey(store, config, 'support-bot');

  // Direct: the same connector, same store, no gateway.
  const connector = createFilesConnector(config.connectors[0] as FilesConnectorConfig, { store, log: silentLogger });
  await connector.start();
  const caller = { agent: { name: 'support-bot', owner: 'x', description: undefined, groups: [], attributes: {}, actForUsers: false }, keyId: 'k', user: undefined };
  const ctx = { caller, mayAccess: () => true, signal: new AbortController().signal };
  const readArgs = { path: 'time-off.md' };
  const searchArgs = { query: 'vacation days' };
  const direct = {
    read: await measure(() => connector.execute('read', readArgs, ctx)),
    search: await measure(() => connector.execute('search', searchArgs, ctx)),
  };
  await connector.close();
  await store.close();

  let id = 0;
  const raw = (url: string, name: string, args: unknown) => fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${key}`, 'MCP-Protocol-Version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: args } }),
  }).then((r) => r.text());

  // Plain hop: the connector behind bare JSON-RPC over HTTP, in its own process.
  const hop = await startServer([PLAIN_HOP, configFile], /listening (\S+)/);
  const plainHop = {
    read: await measure(() => raw(hop.url, 'handbook_read', readArgs)),
    search: await measure(() => raw(hop.url, 'handbook_search', searchArgs)),
  };
  await hop.stop();

  const server = await startServer([BIN, 'serve', '--config', configFile, '--listen', '127.0.0.1:0'], /serving MCP at (\S+)/);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  const sdk = {
    read: await measure(() => client.callTool({ name: 'handbook_read', arguments: readArgs })),
    search: await measure(() => client.callTool({ name: 'handbook_search', arguments: searchArgs })),
  };
  const rawHttp = {
    read: await measure(() => raw(server.url, 'handbook_read', readArgs)),
    search: await measure(() => raw(server.url, 'handbook_search', searchArgs)),
  };
  await client.close();
  await server.stop();
  await drop();
  rmSync(dir, { recursive: true, force: true });

  const fmt = (s: Stats) => `${s.median.toFixed(3)} ms (p99 ${s.p99.toFixed(3)})`;
  process.stdout.write(`gateway added latency — store ${values.store}, ${RUNS} runs × ${CALLS} calls, medians over runs\n`);
  for (const op of ['read', 'search'] as const) {
    process.stdout.write(`  ${op}\n`
      + `    direct in-process call          ${fmt(direct[op])}\n`
      + `    plain JSON-RPC hop (no gateway) ${fmt(plainHop[op])}\n`
      + `    gateway, raw JSON-RPC client    ${fmt(rawHttp[op])}  = ${(rawHttp[op].median / direct[op].median).toFixed(1)}× direct, `
      + `${(rawHttp[op].median / plainHop[op].median).toFixed(2)}× plain hop, +${(rawHttp[op].median - plainHop[op].median).toFixed(3)} ms over the hop\n`
      + `    gateway, MCP SDK client         ${fmt(sdk[op])}  = ${(sdk[op].median / direct[op].median).toFixed(1)}× direct\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
