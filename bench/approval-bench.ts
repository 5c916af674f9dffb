/**
 * How long an approval takes, from the agent's request to the executed write, through the API:
 *
 *   (a) the agent's gated tools/call until the gateway answers that it is held (approval pending);
 *   (b) the approver's `POST /admin/v1/approvals/{id}/approve` until its answer says `executed`
 *       (the approve decides, executes through the whole pipeline and answers the final state);
 *   (c) the total, request → executed: (a) then (b) back to back, without a person's think time.
 *
 * The write is real: `update` of `category` on table `tickets` of a SQLite file, through a sql
 * connector `helpdesk` whose writes need `@approval("leads")`. The baseline is the same update
 * through the gateway on connector `helpdesk-open` (same file, same table), which a plain permit
 * allows without a gate. Each request changes its own row; afterwards a trigger-fed count in the file
 * and the audit trail must show that every request changed its row exactly once.
 *
 * The gateway runs in this process (Gateway.start on a generated gatehouse.yaml, a fresh store, an
 * agent key and an admin token) on 127.0.0.1:0. Agent and approver are raw HTTP POSTs (JSON-RPC
 * tools/call, admin API JSON) on their own kept-alive sockets, no MCP SDK client, so the numbers are
 * the gateway's and not a client's. Approvals keep the default settings (wait 0s, poll 1s).
 *
 *   npm run bench:approvals -- [--runs 3] [--requests 50] [--warmup 10] [--store sqlite|postgres]
 *
 * `--store postgres` keeps the gateway's store in a new schema (`?schema=`) of the PostgreSQL at
 * GATEHOUSE_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test), dropped at the end; it is
 * skipped with a note when that server is not reachable. Only loopback addresses are used.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { issueAdminToken } from '../src/admin/admin-accounts.js';
import { loadConfig } from '../src/config/load.js';
import { createAgentKey } from '../src/identity/agent-admin.js';
import { Gateway } from '../src/main/gateway.js';
import { silentLogger } from '../src/ops/logger.js';
import { openStore } from '../src/store/open-store.js';
import { TEST_PG_URL, freshStoreUrl } from '../test/support/stores.js';
import { integerOption } from './bench-options.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    requests: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '10' },
    store: { type: 'string', default: 'sqlite' },
  },
});

const RUNS = integerOption('runs', values.runs, 1, 100);
const REQUESTS = integerOption('requests', values.requests, 1, 10_000);
const WARMUP = integerOption('warmup', values.warmup, 0, 1000);
if (values.store !== 'sqlite' && values.store !== 'postgres') throw new Error('--store must be sqlite or postgres');
const STORE = values.store;
/** Rows each kind of call changes: one per request, warm-up included. */
const PER_KIND = WARMUP + RUNS * REQUESTS;
const AGENT = 'bench-agent';
const APPROVER = 'lead@example.com';
const GATED_TOOL = 'helpdesk_update';
const OPEN_TOOL = 'helpdesk-open_update';
const PROTOCOL = '2025-06-18';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

// --- measurement ---

interface Stats { p50: number; p99: number }

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
const median = (xs: readonly number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);

/** Per-run times of one measured quantity; summarised as the median over runs of each run's p50 and p99. */
class Series {
  readonly #runs: number[][] = [];
  startRun(): void {
    this.#runs.push([]);
  }
  add(ms: number): void {
    this.#runs.at(-1)?.push(ms);
  }
  stats(): Stats {
    const sorted = this.#runs.map((r) => [...r].sort((a, b) => a - b));
    return { p50: median(sorted.map((r) => quantile(r, 0.5))), p99: median(sorted.map((r) => quantile(r, 0.99))) };
  }
}

// --- the two parties: raw HTTP POSTs on kept-alive sockets ---

interface Reply { readonly status: number; readonly body: string }

function post(agent: HttpAgent, url: string, headers: Readonly<Record<string, string>>, message: unknown): Promise<Reply> {
  const body = JSON.stringify(message);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST', agent,
      headers: { ...headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface ToolResult { isError?: boolean; _meta?: Record<string, unknown> }

/** The party that makes changes: an MCP agent sending JSON-RPC tools/call (the gateway answers JSON). */
class AgentClient {
  readonly #socket = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  #id = 0;
  constructor(private readonly url: string, private readonly key: string) {}

  async update(tool: string, key: number, category: string): Promise<ToolResult> {
    const reply = await post(this.#socket, this.url, { Authorization: `Bearer ${this.key}`, 'MCP-Protocol-Version': PROTOCOL }, {
      jsonrpc: '2.0', id: ++this.#id, method: 'tools/call', params: { name: tool, arguments: { table: 'tickets', key, values: { category } } },
    });
    const result = (JSON.parse(reply.body) as { result?: ToolResult }).result;
    if (reply.status !== 200 || result === undefined || result.isError === true) throw new Error(`${tool} failed: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
    return result;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** The person who decides: the admin API with a gha_ token. */
class ApproverClient {
  readonly #socket = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  constructor(private readonly origin: string, private readonly token: string) {}

  /** Approve (which executes); throws unless the answer says `executed`. */
  async approve(id: string): Promise<void> {
    const reply = await post(this.#socket, `${this.origin}/admin/v1/approvals/${id}/approve`, { Authorization: `Bearer ${this.token}` }, {});
    const approval = (JSON.parse(reply.body) as { approval?: { status?: string; error_code?: string } }).approval;
    if (reply.status !== 200 || approval?.status !== 'executed') {
      throw new Error(`approve ${id}: HTTP ${reply.status}, status ${approval?.status ?? '-'} ${approval?.error_code ?? reply.body.slice(0, 300)}`);
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

// --- the workspace ---

/** Tickets 1..2·PER_KIND, category "new"; a trigger logs every change of category, so writes can be counted. */
function buildTickets(file: string): void {
  const db = new Database(file);
  try {
    db.exec(`CREATE TABLE tickets (id INTEGER PRIMARY KEY, subject TEXT NOT NULL, status TEXT NOT NULL, category TEXT NOT NULL);
      CREATE TABLE category_changes (seq INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL);
      CREATE TRIGGER tickets_category_changed AFTER UPDATE OF category ON tickets
      BEGIN INSERT INTO category_changes (ticket_id) VALUES (NEW.id); END;`);
    const insert = db.prepare("INSERT INTO tickets (id, subject, status, category) VALUES (?, ?, 'open', 'new')");
    db.transaction(() => {
      for (let id = 1; id <= 2 * PER_KIND; id++) insert.run(id, `Ticket ${id}`);
    })();
  } finally {
    db.close();
  }
}

const POLICY = `@id("helpdesk-writes-need-a-lead") @approval("leads")
permit (principal == Gatehouse::Agent::"${AGENT}", action == Gatehouse::Action::"write", resource in Gatehouse::Connector::"helpdesk");

@id("helpdesk-open-writes")
permit (principal == Gatehouse::Agent::"${AGENT}", action == Gatehouse::Action::"write", resource in Gatehouse::Connector::"helpdesk-open");
`;

/** gatehouse.yaml (as JSON, which is YAML): two sql connectors on the same file, the agent, the approver. */
function writeWorkspace(dir: string, storeUrl: string, ticketsFile: string): string {
  const connector = (name: string) => ({
    name, type: 'sql', owner: 'support@example.com', purpose: 'approval bench', url: `sqlite:${ticketsFile}`, powers: ['write'],
    tables: { tickets: { columns: ['id', 'subject', 'status', 'category'], write: { update: ['category'] } } },
  });
  const config = {
    store: storeUrl,
    connectors: [connector('helpdesk'), connector('helpdesk-open')],
    agents: [{ name: AGENT, owner: 'support-owner@example.com' }],
    admins: [{ name: APPROVER, role: 'approver', groups: ['leads'] }],
    approvals: { expire_after: '1h' },
    policies: ['./policies/*.cedar'],
  };
  const configFile = join(dir, 'gatehouse.yaml');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'bench.cedar'), POLICY);
  return configFile;
}

/** Whether the PostgreSQL for --store postgres answers; refuses anything but loopback. */
async function postgresReachable(): Promise<boolean> {
  const host = new URL(TEST_PG_URL).hostname;
  if (!LOOPBACK.has(host)) throw new Error(`the PostgreSQL URL must be on loopback, not ${host}`);
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch (err) {
    process.stdout.write(`note: PostgreSQL at ${TEST_PG_URL} is not reachable (${err instanceof Error ? err.message : String(err)}); skipping --store postgres\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// --- the bench ---

interface Measured { held: Series; approve: Series; total: Series; open: Series }

/** One gated request: held, then approved and executed. Returns the approval id. */
async function gatedRequest(agent: AgentClient, approver: ApproverClient, key: number, m?: Measured): Promise<string> {
  const t0 = performance.now();
  const held = await agent.update(GATED_TOOL, key, `gated-${key}`);
  const t1 = performance.now();
  const id = held._meta?.['gatehouse/approvalId'];
  if (typeof id !== 'string' || !id.startsWith('apr_') || held._meta?.['gatehouse/approvalStatus'] !== 'pending') {
    throw new Error(`${GATED_TOOL} on ${key} was not held: ${JSON.stringify(held).slice(0, 300)}`);
  }
  await approver.approve(id);
  const t2 = performance.now();
  m?.held.add(t1 - t0);
  m?.approve.add(t2 - t1);
  m?.total.add(t2 - t0);
  return id;
}

/** The same update, allowed without a gate. */
async function openRequest(agent: AgentClient, key: number, m?: Measured): Promise<void> {
  const t0 = performance.now();
  const result = await agent.update(OPEN_TOOL, key, `open-${key}`);
  const t1 = performance.now();
  if (result._meta?.['gatehouse/approvalId'] !== undefined) throw new Error(`${OPEN_TOOL} on ${key} was held`);
  m?.open.add(t1 - t0);
}

/** Warm up, then RUNS runs, each a block of gated requests and a block of ungated ones. Keys are never reused. */
async function measure(agent: AgentClient, approver: ApproverClient): Promise<{ m: Measured; approvals: string[] }> {
  const m: Measured = { held: new Series(), approve: new Series(), total: new Series(), open: new Series() };
  const approvals: string[] = [];
  let gatedKey = 0;
  let openKey = PER_KIND;
  for (let i = 0; i < WARMUP; i++) {
    approvals.push(await gatedRequest(agent, approver, ++gatedKey));
    await openRequest(agent, ++openKey);
  }
  for (let r = 0; r < RUNS; r++) {
    for (const s of Object.values(m)) s.startRun();
    for (let i = 0; i < REQUESTS; i++) approvals.push(await gatedRequest(agent, approver, ++gatedKey, m));
    for (let i = 0; i < REQUESTS; i++) await openRequest(agent, ++openKey, m);
  }
  return { m, approvals };
}

/** Every row changed exactly once, to the value its request asked for, and no other row changed. */
function verifyRows(ticketsFile: string): void {
  const db = new Database(ticketsFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT t.id, t.category, (SELECT COUNT(*) FROM category_changes c WHERE c.ticket_id = t.id) AS changes
      FROM tickets t ORDER BY t.id`).all() as { id: number; category: string; changes: number }[];
    const total = (db.prepare('SELECT COUNT(*) AS n FROM category_changes').get() as { n: number }).n;
    const wrong = rows.filter((row) => row.changes !== 1 || row.category !== (row.id <= PER_KIND ? `gated-${row.id}` : `open-${row.id}`));
    if (rows.length !== 2 * PER_KIND || total !== 2 * PER_KIND || wrong.length > 0) {
      throw new Error(`rows not changed exactly once: ${total} changes for ${rows.length} rows; e.g. ${JSON.stringify(wrong.slice(0, 3))}`);
    }
  } finally {
    db.close();
  }
}

interface Inside { held: number[]; decision: number[]; execution: number[]; open: number[] }

/**
 * Every approval is `executed` with one held and one executed audit record, each ungated update has
 * one ok record, and nothing failed. Returns the gateway's own durations (audit durationMs).
 */
async function verifyAudit(gateway: Gateway, approvals: readonly string[]): Promise<Inside> {
  await gateway.audit.flush();
  const perApproval = new Map(approvals.map((id) => [id, { held: 0, ok: 0 }]));
  const inside: Inside = { held: [], decision: [], execution: [], open: [] };
  const failed: string[] = [];
  let after = 0;
  for (let page = 0; page < 10_000; page++) {
    const rows = await gateway.store.readAudit({ afterSeq: after, limit: 1000 });
    if (rows.length === 0) break;
    after = rows.at(-1)?.seq ?? after;
    for (const row of rows) {
      const b = JSON.parse(row.body) as { kind: string; tool?: string; action?: string; status: string; approval?: string; durationMs: number };
      const counts = b.approval === undefined ? undefined : perApproval.get(b.approval);
      if ((b.tool === GATED_TOOL || b.tool === OPEN_TOOL || b.action === 'approval_approve') && b.status !== 'ok' && b.status !== 'held') failed.push(`${b.tool ?? b.action}:${b.status}`);
      if (b.kind === 'tool_call' && b.tool === GATED_TOOL && counts !== undefined && (b.status === 'held' || b.status === 'ok')) {
        counts[b.status === 'held' ? 'held' : 'ok']++;
        (b.status === 'held' ? inside.held : inside.execution).push(b.durationMs);
      }
      if (b.kind === 'tool_call' && b.tool === OPEN_TOOL && b.status === 'ok') inside.open.push(b.durationMs);
      if (b.kind === 'admin' && b.action === 'approval_approve' && b.status === 'ok') inside.decision.push(b.durationMs);
    }
  }
  const odd = [...perApproval].filter(([, c]) => c.held !== 1 || c.ok !== 1);
  if (failed.length > 0 || odd.length > 0 || inside.open.length !== PER_KIND) {
    throw new Error(`audit: ${failed.length} failures (${failed.slice(0, 3).join(', ')}), ${odd.length} approvals without exactly one held and one executed record, ${inside.open.length}/${PER_KIND} ungated`);
  }
  for (const id of approvals) {
    const status = (await gateway.runtime.approvals.get(id)).status;
    if (status !== 'executed') throw new Error(`approval ${id} is ${status}, not executed`);
  }
  return inside;
}

function report(m: Measured, inside: Inside, url: string): void {
  const ms = (x: number) => `${x.toFixed(3)} ms`.padStart(13);
  const line = (label: string, s: Stats) => `  ${label.padEnd(50)}${ms(s.p50)}${ms(s.p99)}\n`;
  const total = m.total.stats();
  const open = m.open.stats();
  const mean = (xs: number[]) => `${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)} ms`;
  process.stdout.write(`approval bench — store ${STORE}; gateway in-process at ${url}\n`
    + `  agent: raw JSON-RPC tools/call POST; approver: raw POST /admin/v1/approvals/{id}/approve (Bearer gha_…); each on one kept-alive socket\n`
    + `  ${RUNS} runs × ${REQUESTS} requests after ${WARMUP} warm-up requests; p50/p99 = medians over runs of each run's p50/p99`
    + `${REQUESTS < 100 ? ` (below 100 requests a run's p99 is its slowest request)` : ''}\n`
    + `  ${''.padEnd(50)}${'p50'.padStart(13)}${'p99'.padStart(13)}\n`
    + line('(a) gated tools/call → answered "held"', m.held.stats())
    + line('(b) POST …/approve → answered "executed"', m.approve.stats())
    + line('(c) total request → executed [(a)+(b), no wait]', total)
    + line('ungated: same update, allowed without a gate', open)
    + `  ${'ratio (c) / ungated'.padEnd(50)}${`${(total.p50 / open.p50).toFixed(2)}×`.padStart(13)}${`${(total.p99 / open.p99).toFixed(2)}×`.padStart(13)}\n`
    + `  inside the gateway (mean of audit durationMs, kept in whole ms, over all ${PER_KIND} per kind): held call ${mean(inside.held)}, `
    + `approve decision ${mean(inside.decision)}, approved execution ${mean(inside.execution)}, ungated call ${mean(inside.open)}\n`
    + `  verified: ${PER_KIND} gated + ${PER_KIND} ungated rows each changed exactly once to the requested value (trigger count),\n`
    + `            ${PER_KIND} approvals executed with one held and one executed audit record each, ${PER_KIND} ungated ok records, no failures\n`);
}

type Cleanups = (() => Promise<unknown>)[];

async function main(): Promise<void> {
  if (STORE === 'postgres' && !(await postgresReachable())) return;
  const cleanups: Cleanups = [];
  try {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-approval-bench-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const ticketsFile = join(dir, 'tickets.db');
    buildTickets(ticketsFile);
    const { url: storeUrl, drop } = freshStoreUrl(STORE);
    cleanups.push(drop);
    const configFile = writeWorkspace(dir, storeUrl, ticketsFile);
    const config = loadConfig(configFile);
    const store = await openStore(config.store);
    const [{ key }, { token }] = await Promise.all([createAgentKey(store, config, AGENT), issueAdminToken(store, config, APPROVER)]).finally(() => store.close());

    const gateway = await Gateway.start({ configFile, log: silentLogger, listen: '127.0.0.1:0', watchConfig: false });
    cleanups.push(() => gateway.close());
    if (!LOOPBACK.has(new URL(gateway.url).hostname)) throw new Error(`the gateway is not on loopback: ${gateway.url}`);
    const agent = new AgentClient(gateway.url, key);
    const approver = new ApproverClient(new URL(gateway.url).origin, token);
    cleanups.push(async () => agent.close(), async () => approver.close());

    const { m, approvals } = await measure(agent, approver);
    verifyRows(ticketsFile);
    const inside = await verifyAudit(gateway, approvals);
    report(m, inside, gateway.url);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => process.stderr.write(`cleanup failed: ${String(err)}\n`));
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
