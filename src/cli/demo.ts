/**
 * `gatehouse demo [--walkthrough]`: a temporary workspace with sample documents (some restricted,
 * one carrying a planted instruction), a sample CRM (SQLite) whose escalated tickets change only
 * with a person's approval, the demo's own help-center API on loopback (its key encrypted in the
 * store), an agent key, API tokens for the people who approve, and the gateway on the embedded store.
 * Prints the MCP URL, the key, client configuration and the commands to decide a held change;
 * `--walkthrough` drives a real MCP client through the main steps and exits 0 only if every step
 * behaved as expected.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueAdminToken, type IssuedAdminToken } from '../admin/admin-accounts.js';
import { loadConfig } from '../config/load.js';
import { GatehouseError } from '../errors/catalog.js';
import { createAgentKey } from '../identity/agent-admin.js';
import { Gateway } from '../main/gateway.js';
import { createLogger } from '../ops/logger.js';
import { openStore } from '../store/open-store.js';
import { startDemoService, type DemoService } from './demo-service.js';
import {
  DEMO_APPROVER_GROUP, DEMO_ESCALATED_TICKETS, DEMO_ISSUER, DEMO_USER, storeDemoSecret, writeDemoSystems, type DemoPeople, type DemoSystems,
} from './demo-systems.js';
import { EXIT_CHECK_FAILED, EXIT_OK, type Io } from './io.js';
import { DEMO_AGENT, writeScaffold } from './scaffold.js';

interface DemoOptions {
  readonly walkthrough?: boolean;
  readonly dir?: string;
  readonly port: string;
}

interface Workspace extends Omit<DemoSystems, 'people'> {
  readonly dir: string;
  readonly configFile: string;
  /** The demo agent's key. */
  readonly key: string;
  /** The people under `admins:`, each with an API token. */
  readonly people: DemoPeople<IssuedAdminToken>;
}

/**
 * Write the workspace (handbook, CRM, configuration, policies), store the API key, issue the agent
 * key and an API token for each declared person.
 */
async function prepareWorkspace(dir: string, service: DemoService, apiKey: string): Promise<Workspace> {
  const { configFile } = writeScaffold(dir, { demo: true, force: true });
  const systems = writeDemoSystems(dir, { serviceUrl: service.url });
  const config = loadConfig(configFile);
  const store = await openStore(config.store);
  try {
    await storeDemoSecret(store, config, apiKey);
    const issued = await createAgentKey(store, config, DEMO_AGENT, { expires: '7d' });
    const token = (name: string) => issueAdminToken(store, config, name, { expires: '7d' });
    const { approver, owner, auditor } = systems.people;
    const people = { approver: await token(approver), owner: await token(owner), auditor: await token(auditor) };
    return { ...systems, dir, configFile, key: issued.key, people };
  } finally {
    await store.close();
  }
}

async function startGateway(configFile: string, o: DemoOptions): Promise<Gateway> {
  const port = o.walkthrough ? '0' : o.port;
  const log = createLogger({ level: o.walkthrough ? 'warn' : 'info' });
  try {
    return await Gateway.start({ configFile, log, listen: `127.0.0.1:${port}` });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new GatehouseError('USAGE', `Port ${port} is already in use; run the demo with --port 0 (any free port) or --port N.`);
    }
    throw err;
  }
}

/** The `demo` command: prepare the workspace, start the demo service and the gateway, then serve or walk through. */
export function demoCommand(io: Io) {
  return async (o: DemoOptions): Promise<number> => {
    const dir = o.dir === undefined ? mkdtempSync(join(tmpdir(), 'gatehouse-demo-')) : resolve(o.dir);
    // The help-center API's key: generated here, held by the service and, encrypted, by the gateway's store.
    const apiKey = `hc_${randomBytes(24).toString('base64url')}`;
    const service = await startDemoService(apiKey);
    try {
      const workspace = await prepareWorkspace(dir, service, apiKey);
      const gateway = await startGateway(workspace.configFile, o);
      try {
        if (o.walkthrough) {
          const { runWalkthrough } = await import('./demo-walkthrough.js');
          const ok = await runWalkthrough({
            url: gateway.url, key: workspace.key, configFile: workspace.configFile, gateway,
            serviceUrl: service.url, apiKey, userSigningKey: workspace.userSigningKey, people: workspace.people,
          }, io);
          return ok ? EXIT_OK : EXIT_CHECK_FAILED;
        }
        io.out(connectionInstructions(gateway.url, workspace, service));
        await new Promise<void>((resolveStop) => {
          process.once('SIGINT', () => resolveStop());
          process.once('SIGTERM', () => resolveStop());
        });
        return EXIT_OK;
      } finally {
        await gateway.close();
      }
    } finally {
      await service.close();
    }
  };
}

function connectionInstructions(url: string, workspace: Workspace, service: DemoService): string {
  const { key, configFile, dir } = workspace;
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
The crm connector serves a sample CRM (${join(dir, 'data/crm.db')}): customer e-mails are masked,
customers are filtered by the acting user's region, and only ticket status and category can change.
The helpcenter connector calls the demo's own API at ${service.url}; its key is in the
encrypted secrets store (see "secret list" below) and never reaches the agent.

To act for a user, send X-Gatehouse-User: a JWT signed (EdDSA) with ${workspace.userKeyFile},
iss ${DEMO_ISSUER}, aud gatehouse, sub e.g. ${DEMO_USER.id}, attributes {"region": "${DEMO_USER.region}"}
(regions: emea, amer, apac). Without one, CRM customer queries are refused.

Claude Desktop (claude_desktop_config.json):
${JSON.stringify(claude, null, 2)}

VS Code (.vscode/mcp.json):
${JSON.stringify(vscode, null, 2)}

Cursor (~/.cursor/mcp.json):
${JSON.stringify(cursor, null, 2)}

${approvalInstructions(url, workspace, bin)}
In another terminal:
  node ${bin} audit tail --config ${configFile}
  node ${bin} audit verify --config ${configFile}
  node ${bin} connector pause handbook --config ${configFile}
  node ${bin} secret list --config ${configFile}
  node ${bin} agent revoke ${DEMO_AGENT} --config ${configFile}

Press Ctrl-C to stop.
`;
}

/** Who decides held requests, with their tokens, and how to approve and roll back from the CLI. */
function approvalInstructions(url: string, workspace: Workspace, bin: string): string {
  const { approver, owner, auditor } = workspace.people;
  const width = Math.max(approver.name.length, owner.name.length, auditor.name.length) + 2;
  const person = (p: IssuedAdminToken, part: string) => `  ${p.name.padEnd(width)}${p.token}\n  ${' '.repeat(width)}${part}`;
  const gh = `node ${bin}`;
  const config = `--config ${workspace.configFile}`;
  return `Changes to escalated tickets (those of enterprise customers: ${DEMO_ESCALATED_TICKETS.join(', ')}) are held until an approver of
"${DEMO_APPROVER_GROUP}" approves them. The people under admins:, with API tokens the demo issued (valid 7 days):
${person(approver, 'approver')}
${person(owner, `approver, but owns ${DEMO_AGENT}: four eyes refuses them its requests`)}
${person(auditor, 'auditor: reads requests with their arguments, decides nothing')}

Ask the agent to re-categorise ticket 6, then decide it as ${approver.name}:
  export GATEHOUSE_ADMIN_TOKEN=${approver.token}
  ${gh} approvals list ${config}
  ${gh} approvals approve apr_... --set values.category=privacy ${config}
  ${gh} approvals show apr_... ${config}   # outcome and audit ids
  ${gh} rollback aud_... ${config}         # undo the execution (its audit id)
Or over HTTP: curl -H "Authorization: Bearer $GATEHOUSE_ADMIN_TOKEN" ${new URL('/admin/v1/approvals', url).href}
`;
}
