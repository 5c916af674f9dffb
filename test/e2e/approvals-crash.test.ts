/**
 * Exactly once across crashes, with the real `gatehouse serve` process killed with SIGKILL:
 * - approved while no gateway runs (it was killed after holding the call): the next gateway
 *   executes it once;
 * - killed while executing (the webhook never answers): after the lease the request is failed as
 *   interrupted and never sent again.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApprovalService } from '../../src/approvals/approval-service.js';
import { loadAuditKeys } from '../../src/audit/audit-keys.js';
import { AuditWriter } from '../../src/audit/audit-writer.js';
import { writeScaffold } from '../../src/cli/scaffold.js';
import { json, startServer, type TestServer } from '../../src/connectors/http/http-test-server.js';
import { loadConfig } from '../../src/config/load.js';
import { createAgentKey } from '../../src/identity/agent-admin.js';
import type { Runtime } from '../../src/main/runtime.js';
import { silentLogger } from '../../src/ops/logger.js';
import { openStore } from '../../src/store/open-store.js';
import { freshStoreUrl } from '../support/stores.js';
import { gatedConfig, LEAD } from '../support/approval-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));
const POLICY = `@id("gate") @approval("oncall-leads")
permit (principal == Gatehouse::Agent::"support-bot", action == Gatehouse::Action::"trigger", resource in Gatehouse::Connector::"notify");`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until(what: string | (() => string), check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('approvals survive a killed gateway', () => {
  let dir: string;
  let configFile: string;
  let drop: () => Promise<void>;
  let hook: TestServer;
  let key: string;
  let port: number;
  let answer = true;
  const children: ChildProcess[] = [];

  const serve = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [BIN, 'serve', '--config', configFile, '--listen', `127.0.0.1:${port}`], {
      env: { ...process.env, GH_TEST_HOOK_SECRET: 'hook-secret-for-tests' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    await until(() => `the gateway to serve (${stderr.slice(-500)})`, async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      } catch {
        return false;
      }
    });
    return child;
  };
  const kill = async (child: ChildProcess) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const hold = async (message: string): Promise<string> => {
    const client = new Client({ name: 'crash-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
    try {
      const result = await client.callTool({ name: 'notify_send', arguments: { message } }) as CallToolResult;
      return String(result._meta?.['gatehouse/approvalId']);
    } finally {
      await client.close();
    }
  };
  /** Approve from outside any gateway, as the CLI does: straight into the store. */
  const approveOffline = async (id: string) => {
    const config = loadConfig(configFile);
    const store = await openStore(config.store);
    try {
      const audit = new AuditWriter(store, await loadAuditKeys(config, store), { contentMode: 'hashed', log: silentLogger });
      const service = new ApprovalService({ store, audit, log: silentLogger, current: () => ({ config }) as unknown as Runtime });
      await service.decide({ id, admin: LEAD, action: 'approve', via: 'test' });
      await audit.close();
    } finally {
      await store.close();
    }
  };
  const stateOf = async (id: string) => {
    const store = await openStore(loadConfig(configFile).store);
    try {
      return await store.approvals.getApproval(id);
    } finally {
      await store.close();
    }
  };

  before(async () => {
    hook = await startServer((_req, res) => {
      if (answer) json(res, 200, { ok: true });
    });
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-crash-'));
    ({ configFile } = writeScaffold(dir, { demo: true }));
    const fresh = freshStoreUrl();
    drop = fresh.drop;
    const yaml = readFileSync(configFile, 'utf8').replace(/^store: .*$/m, `store: ${fresh.url}`);
    writeFileSync(configFile, gatedConfig(`${hook.origin}/hook`, '  execution_lease: 2s\n')(yaml));
    writeFileSync(join(dir, 'policies', 'gates.cedar'), POLICY);
    process.env.GH_TEST_HOOK_SECRET = 'hook-secret-for-tests';
    const config = loadConfig(configFile);
    const store = await openStore(config.store);
    key = (await createAgentKey(store, config, 'support-bot').finally(() => store.close())).key;
    port = await freePort();
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await hook?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('executes once a request approved while the gateway was down', async () => {
    const first = await serve();
    const id = await hold('approved while down');
    await kill(first);
    await approveOffline(id);
    assert.equal((await stateOf(id))?.status, 'approved');
    const second = await serve();
    await until('the approved request to run', async () => (await stateOf(id))?.status === 'executed');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(hook.requests.filter((r) => r.body === '{"text":"approved while down"}').length, 1);
    await kill(second);
  });

  it('never sends again a request whose gateway died while executing it', async () => {
    answer = false;
    const first = await serve();
    const id = await hold('dies mid-way');
    await approveOffline(id);
    await until('the gateway to start executing', () => hook.requests.some((r) => r.body === '{"text":"dies mid-way"}'));
    assert.equal((await stateOf(id))?.status, 'executing');
    await kill(first);
    answer = true;
    const second = await serve();
    await until('the interrupted request to be failed', async () => (await stateOf(id))?.status === 'failed', 15_000);
    const row = await stateOf(id);
    assert.equal(row?.errorCode, 'EXECUTION_INTERRUPTED');
    assert.equal(hook.requests.filter((r) => r.body === '{"text":"dies mid-way"}').length, 1, 'sent once, never again');
    await kill(second);
  });
});
