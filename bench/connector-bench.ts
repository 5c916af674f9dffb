/**
 * Added latency of the gateway for the sql and mcp connectors, against calling the system directly:
 *
 *   1. sql `get` (tool `<connector>_get`) on a SQLite file of N customers, and on PostgreSQL when
 *      reachable, against the same SELECT by primary key through the same driver (better-sqlite3, pg);
 *   2. an upstream MCP tool through an `mcp` connector (Streamable HTTP upstream on 127.0.0.1, see
 *      bench-upstream.ts), against the same tool called directly with a kept-alive SDK client.
 *
 * The gateway runs in this process (Gateway.start on a generated gatehouse.yaml, a fresh store, an
 * agent key and a Cedar permit per connector) on 127.0.0.1:0. Each gateway call is made twice: as raw
 * JSON-RPC POSTs on a keep-alive agent, and with the official MCP SDK client. The connector called
 * in-process (no HTTP, authentication, policy or audit) separates connector cost from gateway cost.
 * Each variant reports the median over runs of its per-run p50 and p99 (blocks of calls, see measureAll).
 *
 *   npm run bench:connectors -- [--runs 3] [--calls 200] [--warmup 50] [--customers 1000]
 *                               [--store sqlite|postgres] [--pg-url postgres://postgres@127.0.0.1:5432/test]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import type { Connector, ConnectorContext } from '../src/connectors/connector.js';
import { createConnector } from '../src/connectors/create-connector.js';
import { createAgentKey } from '../src/identity/agent-admin.js';
import { Gateway } from '../src/main/gateway.js';
import { silentLogger } from '../src/ops/logger.js';
import type { CedarAuthorizer } from '../src/policy/cedar-authorizer.js';
import { openStore } from '../src/store/open-store.js';
import { TEST_PG_URL, freshStoreUrl } from '../test/support/stores.js';
import { UPSTREAM_TOOL, startBenchUpstream, type BenchUpstream } from './bench-upstream.js';
import { integerOption } from './bench-options.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    calls: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '50' },
    customers: { type: 'string', default: '1000' },
    store: { type: 'string', default: 'sqlite' },
    'pg-url': { type: 'string', default: TEST_PG_URL },
  },
});

const RUNS = integerOption('runs', values.runs, 1, 100);
const CALLS = integerOption('calls', values.calls, 10, 100_000);
const WARMUP = integerOption('warmup', values.warmup, 0, 10_000);
const CUSTOMERS = integerOption('customers', values.customers, 1, 1_000_000);
if (values.store !== 'sqlite' && values.store !== 'postgres') throw new Error('--store must be sqlite or postgres');
const STORE = values.store;
const PG_URL = values['pg-url'];
const AGENT = 'bench-agent';
const PROTOCOL = '2025-06-18';
const SELECT_SQLITE = 'SELECT id, name, email, region, plan FROM customers WHERE id = ? LIMIT 2';
const SELECT_PG = 'SELECT id, name, email, region, plan FROM customers WHERE id = $1 LIMIT 2';

// --- measurement ---

interface Stats { p50: number; p99: number }
/** One way of making the call; `base` names the variant its ratios are taken against. */
interface Variant { id: string; label: string; call: () => Promise<unknown>; base?: string }

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);

/**
 * Warm every variant up, then RUNS runs in which each variant makes CALLS calls in a row. A block
 * per variant charges each one the work it leaves behind (garbage, deferred tasks); the variants take
 * turns run by run, so slow drift on the machine falls on all of them.
 */
async function measureAll(variants: readonly Variant[]): Promise<Map<string, Stats>> {
  for (const v of variants) for (let i = 0; i < WARMUP; i++) await v.call();
  const perRun = variants.map(() => ({ p50: [] as number[], p99: [] as number[] }));
  for (let r = 0; r < RUNS; r++) {
    for (const [k, v] of variants.entries()) {
      const times: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const t = performance.now();
        await v.call();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      perRun[k]?.p50.push(quantile(times, 0.5));
      perRun[k]?.p99.push(quantile(times, 0.99));
    }
  }
  return new Map(variants.map((v, k) => [v.id, { p50: median(perRun[k]?.p50 ?? []), p99: median(perRun[k]?.p99 ?? []) }]));
}

function report(title: string, variants: readonly Variant[], stats: Map<string, Stats>, footer: string): void {
  const ms = (x: number) => `${x.toFixed(3)} ms`.padStart(12);
  const ratio = (x: number) => `${x.toFixed(1)}×`.padStart(11);
  const added = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`.padStart(11);
  const head = ['p50', 'p99'].map((h) => h.padStart(12)).join('') + ['ratio p50', 'p99'].map((h) => h.padStart(11)).join('')
    + ['added p50', 'p99'].map((h) => h.padStart(11)).join('');
  const lines = [`\n${title}\n`, `  ${''.padEnd(44)}${head}   vs\n`];
  for (const v of variants) {
    const s = stats.get(v.id);
    const b = v.base === undefined ? undefined : stats.get(v.base);
    if (s === undefined) continue;
    const versus = b === undefined ? '' : `${ratio(s.p50 / b.p50)}${ratio(s.p99 / b.p99)}${added(s.p50 - b.p50)}${added(s.p99 - b.p99)}   ${v.base}`;
    lines.push(`  ${v.label.padEnd(44)}${ms(s.p50)}${ms(s.p99)}${versus}\n`);
  }
  process.stdout.write(`${lines.join('')}${footer}`);
}

// --- clients ---

/** One socket per origin, kept alive: the raw client's cost is a POST and a JSON.parse. */
const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 1 });

interface Reply { readonly status: number; readonly session: string | undefined; readonly body: string; readonly stream: boolean }

function post(url: string, headers: Readonly<Record<string, string>>, message: unknown): Promise<Reply> {
  const body = JSON.stringify(message);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST', agent: keepAlive,
      headers: { ...headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const session = res.headers['mcp-session-id'];
        resolve({
          status: res.statusCode ?? 0, session: typeof session === 'string' ? session : undefined,
          body: Buffer.concat(chunks).toString('utf8'), stream: (res.headers['content-type'] ?? '').includes('text/event-stream'),
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

let rpcId = 0;
/** A raw JSON-RPC tools/call; throws unless it answered a successful tool result. */
async function rawTool(url: string, headers: Readonly<Record<string, string>>, name: string, args: Record<string, unknown>): Promise<unknown> {
  const reply = await post(url, headers, { jsonrpc: '2.0', id: ++rpcId, method: 'tools/call', params: { name, arguments: args } });
  // An event stream (the upstream) carries the response as the data of its last event; the gateway answers JSON.
  const text = reply.stream ? reply.body.split('\n').filter((line) => line.startsWith('data: ')).at(-1)?.slice(6) ?? '' : reply.body;
  const message = JSON.parse(text) as { result?: { isError?: boolean } };
  if (reply.status !== 200 || message.result === undefined || message.result.isError === true) {
    throw new Error(`${name} failed: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
  }
  return message.result;
}

/** A raw MCP session with the upstream: initialize, initialized, then the headers for its calls. */
async function rawSession(url: string): Promise<Record<string, string>> {
  const init = await post(url, {}, {
    jsonrpc: '2.0', id: ++rpcId, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'bench-raw', version: '1' } },
  });
  if (init.status !== 200 || init.session === undefined) throw new Error(`upstream initialize failed: HTTP ${init.status}`);
  const headers = { 'Mcp-Session-Id': init.session, 'MCP-Protocol-Version': PROTOCOL };
  await post(url, headers, { jsonrpc: '2.0', method: 'notifications/initialized' });
  return headers;
}

async function sdkClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'connector-bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function sdkTool(client: Client, name: string, args: Record<string, unknown>): Promise<unknown> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError === true) throw new Error(`${name} answered a tool error: ${JSON.stringify(result.content).slice(0, 300)}`);
  return result;
}

function must<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`${what}: no row`);
  return row;
}

// --- systems under test ---

function customer(i: number): [number, string, string, string, string] {
  return [i, `Customer ${i}`, `customer${i}@example.com`, i % 2 === 0 ? 'eu' : 'us', ['free', 'pro', 'team'][i % 3] ?? 'free'];
}

const CUSTOMERS_DDL = 'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, region TEXT NOT NULL, plan TEXT NOT NULL)';

function buildSqlite(path: string): void {
  const db = new Database(path);
  try {
    db.exec(CUSTOMERS_DDL);
    const insert = db.prepare('INSERT INTO customers (id, name, email, region, plan) VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= CUSTOMERS; i++) insert.run(...customer(i));
    })();
  } finally {
    db.close();
  }
}

/** A schema of our own with the customers table, or undefined (with a note) when PostgreSQL is unreachable. */
async function buildPostgres(): Promise<{ schema: string; drop: () => Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => undefined);
    process.stdout.write(`note: PostgreSQL at ${PG_URL} is not reachable (${err instanceof Error ? err.message : String(err)}); skipping the PostgreSQL sql bench\n`);
    return undefined;
  }
  const schema = `gh_bench_${randomBytes(5).toString('hex')}`;
  const drop = async () => {
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await admin.end();
    }
  };
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`SET search_path = ${schema}`);
    await admin.query(CUSTOMERS_DDL);
    await admin.query(`INSERT INTO customers SELECT g, 'Customer ' || g, 'customer' || g || '@example.com',
      CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, (ARRAY['free', 'pro', 'team'])[g % 3 + 1] FROM generate_series(1, $1::int) g`, [CUSTOMERS]);
    await admin.query('ANALYZE customers');
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return { schema, drop };
}

function pgConnectorUrl(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** gatehouse.yaml (as JSON, which is YAML) and one permit per connector. */
function writeWorkspace(dir: string, storeUrl: string, connectors: Record<string, unknown>[]): string {
  const common = { owner: 'bench@example.com', purpose: 'connector bench', powers: ['read'] };
  const config = {
    store: storeUrl,
    connectors: connectors.map((c) => ({ ...c, ...common })),
    agents: [{ name: AGENT, owner: 'bench@example.com' }],
    policies: ['./policies/*.cedar'],
  };
  const configFile = join(dir, 'gatehouse.yaml');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'bench.cedar'), connectors.map((c) => `@id("bench-read-${String(c.name)}")
permit (principal == Gatehouse::Agent::"${AGENT}", action == Gatehouse::Action::"read", resource in Gatehouse::Connector::"${String(c.name)}");
`).join('\n'));
  return configFile;
}

const CUSTOMERS_TABLE = { customers: { key: 'id', columns: ['id', 'name', 'email', 'region', 'plan'] } };

/** Wait (bounded) until the gateway lists every tool; the mcp connector's tools appear once it has pinned them. */
async function awaitTools(client: Client, names: readonly string[]): Promise<void> {
  let missing: string[] = [...names];
  for (let attempt = 0; attempt < 100 && missing.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    const listed = new Set((await client.listTools()).tools.map((t) => t.name));
    missing = names.filter((n) => !listed.has(n));
  }
  if (missing.length > 0) throw new Error(`the gateway does not offer ${missing.join(', ')}`);
}

// --- the bench ---

type Cleanups = (() => Promise<unknown>)[];

/** The running gateway, and the ways a section calls through it or around it. */
interface Harness {
  /** Calls through the gateway (raw POSTs, SDK client); ratios against `rawBase` and `sdkBase`. */
  gatewayVariants(tool: string, args: () => Record<string, unknown>, rawBase: string, sdkBase: string): Variant[];
  /** The same connector, built from the same config entry and called in-process. */
  inProcess(connector: string, operation: string, args: () => Record<string, unknown>): () => Promise<unknown>;
  /** Measure, then report, with how many of the gateway's policy decisions its cache answered. */
  section(title: string, variants: readonly Variant[]): Promise<void>;
}

let keyCounter = 0;
/** Customer ids in turn, so that no variant reads one hot row. */
const nextKey = () => (keyCounter++ % CUSTOMERS) + 1;
const getArgs = () => ({ table: 'customers', key: nextKey() });

/** Write the workspace, issue the agent key, start the gateway and the in-process connectors. */
async function startHarness(dir: string, connectors: Record<string, unknown>[], cleanups: Cleanups): Promise<Harness> {
  const { url: storeUrl, drop } = freshStoreUrl(STORE);
  cleanups.push(drop);
  const configFile = writeWorkspace(dir, storeUrl, connectors);
  const config = loadConfig(configFile);
  const store = await openStore(config.store);
  const { key } = await createAgentKey(store, config, AGENT).finally(() => store.close());

  const gateway = await Gateway.start({ configFile, log: silentLogger, listen: '127.0.0.1:0', watchConfig: false });
  cleanups.push(() => gateway.close());
  const auth = { Authorization: `Bearer ${key}` };
  const client = await sdkClient(gateway.url, auth);
  cleanups.push(() => client.close());
  await awaitTools(client, connectors.map((c) => `${String(c.name)}_${c.type === 'mcp' ? UPSTREAM_TOOL : 'get'}`));
  const headers = { ...auth, 'MCP-Protocol-Version': PROTOCOL };

  // No HTTP, authentication, policy or audit: what the connector itself costs.
  const direct = new Map<string, Connector>();
  for (const c of config.connectors) {
    const connector = createConnector(c, { store: gateway.store, log: silentLogger, secrets: { resolve: async (s) => s.reveal() } });
    cleanups.push(() => connector.close());
    await connector.start();
    direct.set(c.name, connector);
  }
  const caller = { agent: { name: AGENT, owner: 'x', description: undefined, groups: [], attributes: {}, actForUsers: false }, keyId: 'k', user: undefined };
  const policy = () => (gateway.runtime.authorizer as Partial<CedarAuthorizer>).stats ?? { decisions: 0, cacheHits: 0, evaluations: 0 };

  return {
    gatewayVariants: (tool, args, rawBase, sdkBase) => [
      { id: 'gateway-raw', label: 'gateway: raw JSON-RPC POST, keep-alive', call: () => rawTool(gateway.url, headers, tool, args()), base: rawBase },
      { id: 'gateway-sdk', label: 'gateway: MCP SDK client', call: () => sdkTool(client, tool, args()), base: sdkBase },
    ],
    inProcess: (name, operation, args) => async () => {
      const connector = direct.get(name);
      if (connector === undefined) throw new Error(`connector ${name} did not start`);
      // A signal per call, as the gateway gives each request (the mcp connector listens on it).
      const ctx: ConnectorContext = { caller, mayAccess: () => true, signal: new AbortController().signal };
      return connector.execute(operation, args(), ctx);
    },
    async section(title, variants) {
      const before = { ...policy() };
      const stats = await measureAll(variants);
      const after = policy();
      const delta = (k: 'decisions' | 'cacheHits' | 'evaluations') => after[k] - before[k];
      report(title, variants, stats, `  gateway policy decisions: ${delta('decisions')} — ${delta('cacheHits')} from the decision cache, `
        + `${delta('evaluations')} evaluated by Cedar, ${delta('decisions') - delta('cacheHits') - delta('evaluations')} decided without either\n`);
    },
  };
}

async function benchSqlite(h: Harness, crmFile: string, cleanups: Cleanups): Promise<void> {
  const sqlite = new Database(crmFile, { readonly: true, fileMustExist: true });
  cleanups.push(async () => sqlite.close());
  const byKey = sqlite.prepare(SELECT_SQLITE);
  await h.section(`sql get — SQLite, ${CUSTOMERS} customers (tool crm-sqlite_get)`, [
    { id: 'direct', label: 'direct: better-sqlite3, prepared statement', call: async () => must(byKey.get(nextKey()), 'sqlite') },
    { id: 'connector', label: 'crm-sqlite connector in-process', call: h.inProcess('crm-sqlite', 'get', getArgs), base: 'direct' },
    ...h.gatewayVariants('crm-sqlite_get', getArgs, 'direct', 'direct'),
  ]);
}

async function benchPostgres(h: Harness, schema: string, cleanups: Cleanups): Promise<void> {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 4, options: `-c search_path=${schema}` });
  cleanups.push(() => pool.end());
  const select = async () => must((await pool.query({ text: SELECT_PG, values: [nextKey()] })).rows[0], 'postgres');
  // What the connector's driver does for a read: one pooled connection, a read-only transaction.
  const inReadOnly = async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      const row = must((await client.query({ text: SELECT_PG, values: [nextKey()] })).rows[0], 'postgres');
      await client.query('COMMIT');
      return row;
    } finally {
      client.release();
    }
  };
  await h.section(`sql get — PostgreSQL ${new URL(PG_URL).host}, ${CUSTOMERS} customers (tool crm-pg_get)`, [
    { id: 'direct', label: 'direct: pg pool, one query', call: select },
    { id: 'direct-tx', label: 'direct: pg, BEGIN READ ONLY; query; COMMIT', call: inReadOnly, base: 'direct' },
    { id: 'connector', label: 'crm-pg connector in-process', call: h.inProcess('crm-pg', 'get', getArgs), base: 'direct' },
    ...h.gatewayVariants('crm-pg_get', getArgs, 'direct', 'direct'),
  ]);
}

async function benchMcp(h: Harness, upstream: BenchUpstream, cleanups: Cleanups): Promise<void> {
  const client = await sdkClient(upstream.url);
  cleanups.push(() => client.close());
  const headers = await rawSession(upstream.url);
  const args = () => ({ id: nextKey() });
  await h.section(`mcp tool — upstream over Streamable HTTP on 127.0.0.1 (tool tracker_${UPSTREAM_TOOL})`, [
    { id: 'direct', label: 'direct: MCP SDK client → upstream', call: () => sdkTool(client, UPSTREAM_TOOL, args()) },
    { id: 'direct-raw', label: 'direct: raw JSON-RPC POST → upstream', call: () => rawTool(upstream.url, headers, UPSTREAM_TOOL, args()) },
    { id: 'connector', label: 'tracker connector in-process', call: h.inProcess('tracker', UPSTREAM_TOOL, args), base: 'direct' },
    ...h.gatewayVariants(`tracker_${UPSTREAM_TOOL}`, args, 'direct-raw', 'direct'),
  ]);
}

async function main(): Promise<void> {
  const cleanups: Cleanups = [];
  try {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-connector-bench-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const crmFile = join(dir, 'crm.db');
    buildSqlite(crmFile);
    const postgres = await buildPostgres();
    if (postgres !== undefined) cleanups.push(postgres.drop);
    const upstream = await startBenchUpstream();
    cleanups.push(() => upstream.close());
    const harness = await startHarness(dir, [
      { name: 'crm-sqlite', type: 'sql', url: `sqlite:${crmFile}`, tables: CUSTOMERS_TABLE },
      ...(postgres === undefined ? [] : [{ name: 'crm-pg', type: 'sql', url: pgConnectorUrl(postgres.schema), tables: CUSTOMERS_TABLE }]),
      { name: 'tracker', type: 'mcp', url: upstream.url, tools: { [UPSTREAM_TOOL]: { power: 'read' } } },
    ], cleanups);

    process.stdout.write(`connector bench — gateway in-process on 127.0.0.1, store ${STORE}; ${RUNS} runs × ${CALLS} calls after ${WARMUP} warm-up calls per variant;\n`
      + `p50/p99 are medians over runs of each run's p50/p99; ratio = variant / "vs", added = variant − "vs"\n`);
    await benchSqlite(harness, crmFile, cleanups);
    if (postgres !== undefined) await benchPostgres(harness, postgres.schema, cleanups);
    await benchMcp(harness, upstream, cleanups);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => process.stderr.write(`cleanup failed: ${String(err)}\n`));
    keepAlive.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
