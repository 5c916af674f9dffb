/**
 * Shared setup for the mcp connector's tests: a spec file for the fixture upstream, connector
 * configs for stdio and HTTP, a recording logger and polling without timing asserts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Secret } from '../../../config/secret.js';
import type { LogFields, Logger } from '../../../ops/logger.js';
import type { ToolPinRepo } from '../../../store/store.js';
import { mcpConnectorSchema, type McpConnectorConfig } from '../mcp-config.js';
import { createMcpConnector, type McpConnector, type McpConnectorDeps } from '../mcp-connector.js';
import { startHttpFixture, type FixtureSpec, type FixtureTool, type HttpFixture } from './upstream-server.js';

export const STDIO_UPSTREAM = fileURLToPath(new URL('./stdio-upstream.js', import.meta.url));

export const SEARCH: FixtureTool = {
  name: 'search_issues',
  description: 'Search issues by text.',
  inputSchema: { type: 'object', properties: { query: { type: 'string', description: 'Words to look for.' } }, required: ['query'] },
  behaviour: 'echo',
};

/** A tool of the given behaviour named after it, taking any arguments. */
export function tool(behaviour: FixtureTool['behaviour'], extra: Partial<FixtureTool> = {}): FixtureTool {
  return { name: behaviour, description: `The ${behaviour} tool.`, inputSchema: { type: 'object', properties: { bytes: { type: 'integer' } } }, behaviour, ...extra };
}

export const DEFAULT_TOOLS: readonly FixtureTool[] = [
  SEARCH,
  { ...tool('echo'), name: 'create_issue', description: 'Create an issue.' },
  { ...tool('echo'), name: 'delete_everything', description: 'Delete every issue.' },
  tool('secret'), tool('error'), tool('big'), tool('hang'), tool('malformed'), tool('garbage'), tool('crash'),
];

/** Every fixture tool except delete_everything, allow-listed with a power. */
export const ALLOWED = {
  search_issues: { power: 'search' }, create_issue: { power: 'write' }, secret: { power: 'read' }, error: { power: 'read' },
  big: { power: 'read' }, hang: { power: 'read' }, malformed: { power: 'read' }, garbage: { power: 'read' }, crash: { power: 'read' },
} as const;

/** A recording logger. */
export interface RecordingLogger extends Logger {
  readonly lines: { level: string; message: string; fields: LogFields | undefined }[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const at = (level: string) => (message: string, fields?: LogFields) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Poll `check` until it holds; fails after a generous bound. Not a timing assert. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export type Kind = 'stdio' | 'http';

/** One test's upstream: a spec file, and for HTTP a running server; plus connectors to clean up. */
export class Upstream {
  readonly dir = mkdtempSync(join(tmpdir(), 'gatehouse-mcp-'));
  readonly specFile = join(this.dir, 'spec.json');
  http: HttpFixture | undefined;
  readonly #connectors: McpConnector[] = [];

  constructor(readonly kind: Kind, tools: readonly FixtureTool[] = DEFAULT_TOOLS) {
    this.write(tools);
  }

  async start(): Promise<this> {
    if (this.kind === 'http') this.http = await startHttpFixture(this.specFile);
    return this;
  }

  write(tools: readonly FixtureTool[]): void {
    const spec: FixtureSpec = { tools };
    writeFileSync(this.specFile, JSON.stringify(spec));
  }

  /** Change one tool of the spec. */
  change(name: string, patch: Partial<FixtureTool>, tools: readonly FixtureTool[] = DEFAULT_TOOLS): void {
    this.write(tools.map((t) => (t.name === name ? { ...t, ...patch } : t)));
  }

  config(extra: Record<string, unknown> = {}): McpConnectorConfig {
    const where = this.kind === 'stdio'
      ? { command: [process.execPath, STDIO_UPSTREAM, this.specFile], env: { TRACKER_TOKEN: '${env:TRACKER_TOKEN_TEST}', MODE: 'test' } }
      : { url: this.http?.url ?? 'http://127.0.0.1:9/mcp', headers: { Authorization: '${env:TRACKER_AUTH_TEST}' } };
    return mcpConnectorSchema.parse({
      name: 'tracker', type: 'mcp', owner: 'platform', purpose: 'issue tracker', powers: ['read', 'search', 'write'],
      tools: ALLOWED, timeout: '2s', max_result_bytes: 65_536, ...where, ...extra,
    });
  }

  connector(store: ToolPinRepo, extra: Partial<McpConnectorDeps> = {}, config: McpConnectorConfig = this.config()): McpConnector {
    const connector = createMcpConnector(config, {
      store, log: recordingLogger(), secrets: { resolve: async (s: Secret) => s.reveal() },
      env: { TRACKER_TOKEN_TEST: 'tok-123', TRACKER_AUTH_TEST: 'Bearer tok-456' },
      reconnectDelayMs: 20, maxReconnectDelayMs: 200, refreshIntervalMs: 0, ...extra,
    });
    this.#connectors.push(connector);
    return connector;
  }

  async cleanup(): Promise<void> {
    for (const c of this.#connectors.splice(0)) await c.close();
    await this.http?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
