/**
 * `gatehouse demo [--walkthrough]`: a temporary workspace with sample documents (some restricted,
 * one carrying a planted instruction), an agent key, and the gateway on the embedded store.
 * Prints the MCP URL, the key and client configuration; `--walkthrough` drives a real MCP client
 * through the main steps and exits 0 only if every step behaved as expected.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import { GatehouseError } from '../errors/catalog.js';
import { createAgentKey } from '../identity/agent-admin.js';
import { Gateway } from '../main/gateway.js';
import { createLogger } from '../ops/logger.js';
import { openStore } from '../store/open-store.js';
import { EXIT_CHECK_FAILED, EXIT_OK, type Io } from './io.js';
import { DEMO_AGENT, writeScaffold } from './scaffold.js';

interface DemoOptions {
  readonly walkthrough?: boolean;
  readonly dir?: string;
  readonly port: string;
}

export function demoCommand(io: Io) {
  return async (o: DemoOptions): Promise<number> => {
    const dir = o.dir === undefined ? mkdtempSync(join(tmpdir(), 'gatehouse-demo-')) : resolve(o.dir);
    const { configFile } = writeScaffold(dir, { demo: true, force: true });
    const config = loadConfig(configFile);
    const store = await openStore(config.store);
    const issued = await createAgentKey(store, config, DEMO_AGENT, { expires: '7d' }).finally(() => store.close());

    const port = o.walkthrough ? '0' : o.port;
    const log = createLogger({ level: o.walkthrough ? 'warn' : 'info' });
    let gateway: Gateway;
    try {
      gateway = await Gateway.start({ configFile, log, listen: `127.0.0.1:${port}` });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new GatehouseError('USAGE', `Port ${port} is already in use; run the demo with --port 0 (any free port) or --port N.`);
      }
      throw err;
    }

    if (o.walkthrough) {
      const { runWalkthrough } = await import('./demo-walkthrough.js');
      try {
        const ok = await runWalkthrough({ url: gateway.url, key: issued.key, configFile, gateway }, io);
        return ok ? EXIT_OK : EXIT_CHECK_FAILED;
      } finally {
        await gateway.close();
      }
    }

    io.out(connectionInstructions(gateway.url, issued.key, configFile, dir));
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', () => resolveStop());
      process.once('SIGTERM', () => resolveStop());
    });
    await gateway.close();
    return EXIT_OK;
  };
}

function connectionInstructions(url: string, key: string, configFile: string, dir: string): string {
  const bin = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));
  const header = { Authorization: `Bearer ${key}` };
  const claude = { mcpServers: { gatehouse: { command: process.execPath, args: [bin, 'stdio', '--config', configFile], env: { GATEHOUSE_AGENT_KEY: key } } } };
  const vscode = { servers: { gatehouse: { type: 'http', url, headers: header } } };
  const cursor = { mcpServers: { gatehouse: { url, headers: header } } };
  return `
Gatehouse demo is running.

  Workspace:  ${dir}
  MCP URL:    ${url}
  Agent:      ${DEMO_AGENT}
  Agent key:  ${key}
              (a demo key; it expires in 7 days)

The handbook connector serves ${join(dir, 'docs/handbook')} (search and read only).
Documents under hr/ are restricted; vendors/faq.html carries an instruction planted for an AI.

Claude Desktop (claude_desktop_config.json):
${JSON.stringify(claude, null, 2)}

VS Code (.vscode/mcp.json):
${JSON.stringify(vscode, null, 2)}

Cursor (~/.cursor/mcp.json):
${JSON.stringify(cursor, null, 2)}

In another terminal:
  node ${bin} audit tail --config ${configFile}
  node ${bin} audit verify --config ${configFile}
  node ${bin} connector pause handbook --config ${configFile}
  node ${bin} agent revoke ${DEMO_AGENT} --config ${configFile}

Press Ctrl-C to stop.
`;
}
