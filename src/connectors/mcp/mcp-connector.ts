/**
 * The `mcp` connector: an upstream MCP server (stdio command or Streamable HTTP URL) whose
 * allow-listed tools become gateway operations, each with its declared power.
 *
 * Tool definitions are pinned (tool-pins.ts). Lifecycle:
 *   start ── pins read from the store; pinned tools are offered from their pins
 *     └─ connect ── tools/list; no pins at all → pin every allow-listed, unflagged tool
 *        (the approval at connector creation, logged) → assess every allow-listed tool
 *   re-assessed on reconnect, on notifications/tools/list_changed and every refresh interval
 *   quarantined tools: not in operations(); target() and execute() throw TOOL_QUARANTINED
 *   `gatehouse connector review NAME` shows the diff and re-pins (cli/connector-review.ts)
 *
 * An upstream tool error (`isError: true`) is UPSTREAM_REJECTED; results are bounded by
 * `max_result_bytes`; every request by `timeout` (mcp-result.ts, upstream-client.ts).
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { durationMs } from '../../config/schema-parts.js';
import type { OperationSpec, ResourceRef } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { Logger } from '../../ops/logger.js';
import type { SecretResolver } from '../../secrets/secret-resolver.js';
import type { ToolPinRepo } from '../../store/store.js';
import { CallHealth } from '../call-health.js';
import type { Connector, ConnectorContext, ConnectorHealth, OperationResult } from '../connector.js';
import type { DescriptionCheck } from './description-check.js';
import { injectionDescriptionCheck } from './injection-description-check.js';
import type { McpConnectorConfig } from './mcp-config.js';
import { toOperationResult } from './mcp-result.js';
import {
  assessTools, initialPins, quarantineMessage, servedSchema, toolDefinition,
  type QuarantineReason, type ToolDefinition, type ToolState,
} from './tool-pins.js';
import { UpstreamClient } from './upstream-client.js';
import { connectTimeoutMs, endpointFactory, maxMessageBytes } from './upstream-endpoint.js';

/** Longest gateway tool name (`<connector>_<tool>`), as LLM providers accept. */
const MAX_TOOL_NAME = 64;

/** What the connector needs from the gateway, plus tuning (defaults suit production). */
export interface McpConnectorDeps {
  /** The gateway store (only its tool pins are used). */
  readonly store: ToolPinRepo;
  readonly log: Logger;
  readonly secrets: SecretResolver;
  /** Detector for instructions aimed at the model in tool descriptions (default: basic rules). */
  readonly check?: DescriptionCheck;
  /** Where `${env:NAME}` references are read (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
  /** First reconnect delay in ms, doubled per failure (default 500) up to maxReconnectDelayMs (30 s). */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  /** How often the upstream's tool list is re-checked against the pins, in ms (default 60 s; 0 disables). */
  readonly refreshIntervalMs?: number;
}

/** A quarantined tool, for health, logs and the gateway. */
export interface QuarantinedTool {
  readonly tool: string;
  readonly reason: QuarantineReason;
  readonly rules: readonly string[];
}

/**
 * The connector, plus what the gateway may ask about quarantine between registry rebuilds.
 * (`type` and `config` are narrowed; it is a `Connector` once the config union includes `mcp`.)
 */
export interface McpConnector extends Omit<Connector, 'type' | 'config'> {
  readonly type: 'mcp';
  readonly config: McpConnectorConfig;
  /** Whether a call to `operation` would be served now (allow-listed, power granted, not quarantined). */
  available(operation: string): boolean;
  quarantined(): QuarantinedTool[];
  /**
   * Called when the operations that can be served changed (a tool was quarantined or approved,
   * or its approved definition changed); the gateway should rebuild its tool registry.
   */
  onOperationsChanged(listener: () => void): void;
}

/** Create an mcp connector. Checks its options now; `start()` reads pins and connects. */
export function createMcpConnector(config: McpConnectorConfig, deps: McpConnectorDeps): McpConnector {
  return new McpUpstreamConnector(config, deps);
}


class McpUpstreamConnector implements McpConnector {
  readonly name: string;
  readonly type = 'mcp' as const;
  readonly config: McpConnectorConfig;
  readonly #deps: McpConnectorDeps;
  readonly #check: DescriptionCheck;
  readonly #allowList: readonly string[];
  readonly #upstream: UpstreamClient;
  readonly #listeners: (() => void)[] = [];
  #states = new Map<string, ToolState>();
  /** Hash of each operation's definition as last handed out by operations(). */
  #listed = new Map<string, string>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #started = false;

  /** Outcomes and latency of calls, for health(). */
  readonly #calls: CallHealth;

  constructor(config: McpConnectorConfig, deps: McpConnectorDeps) {
    this.#calls = new CallHealth(deps.now);
    this.name = config.name;
    this.config = config;
    this.#deps = deps;
    this.#check = deps.check ?? injectionDescriptionCheck();
    this.#allowList = Object.keys(config.tools);
    for (const tool of this.#allowList) {
      if (`${config.name}_${tool}`.length > MAX_TOOL_NAME) {
        throw new GatehouseError('CONFIG_INVALID',
          `connectors.${config.name}: tool "${tool}" would be named "${config.name}_${tool}", longer than ${MAX_TOOL_NAME} characters.`, { connector: config.name });
      }
    }
    this.#upstream = new UpstreamClient({
      connector: config.name,
      endpoint: endpointFactory(config, deps.secrets, deps.env ?? process.env),
      timeoutMs: durationMs(config.timeout),
      connectTimeoutMs: connectTimeoutMs(config),
      maxMessageBytes: maxMessageBytes(config),
      log: deps.log,
      onConnected: (list) => this.#enqueue(() => this.#assess(list)),
      onToolsChanged: () => this.#refresh(),
      reconnectDelayMs: deps.reconnectDelayMs ?? 500,
      maxReconnectDelayMs: deps.maxReconnectDelayMs ?? 30_000,
    });
  }

  operations(): readonly OperationSpec[] {
    const specs: OperationSpec[] = [];
    const listed = new Map<string, string>();
    for (const [name, state] of this.#states) {
      const power = this.config.tools[name]?.power;
      if (state.status !== 'ok' || power === undefined || !this.config.powers.includes(power)) continue;
      listed.set(name, state.hash);
      specs.push({ name, power, summary: summaryOf(state.definition), inputSchema: servedSchema(state.definition) });
    }
    this.#listed = listed;
    return specs;
  }

  /** Every call targets the connector; quarantined and unknown tools are refused here already. */
  async target(operation: string, _args: Readonly<Record<string, unknown>>): Promise<ResourceRef> {
    this.#usable(operation);
    return { type: 'Connector', id: this.name, attributes: {}, parents: [] };
  }

  async execute(operation: string, args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    let state = this.#usable(operation);
    return this.#calls.track(async () => {
      if (!state.verified) {
        // Served from its pin so far: let a connection in progress check the upstream first.
        await this.#upstream.settled();
        state = this.#usable(operation);
      }
      const result = await this.#upstream.callTool(operation, args, ctx.signal);
      return toOperationResult(result, {
        connector: this.name, tool: operation, definitionHash: state.hash, maxBytes: this.config.max_result_bytes, at: this.#now(),
      });
    });
  }

  available(operation: string): boolean {
    try {
      this.#usable(operation);
      return true;
    } catch {
      return false;
    }
  }

  quarantined(): QuarantinedTool[] {
    return [...this.#states].flatMap(([tool, s]) => (s.status === 'quarantined' ? [{ tool, reason: s.reason, rules: s.rules }] : []));
  }

  onOperationsChanged(listener: () => void): void {
    this.#listeners.push(listener);
  }

  health(): ConnectorHealth {
    const upstream = this.#upstream.status();
    const quarantined = this.quarantined().length;
    let status: ConnectorHealth['status'];
    if (!this.#started) status = 'starting';
    else if (upstream.state !== 'connected') status = 'unavailable';
    else status = quarantined > 0 ? 'degraded' : 'ok';
    const facts: Record<string, string | number> = {
      transport: this.config.command === undefined ? 'http' : 'stdio',
      connection: upstream.state,
      tools_served: [...this.#states.values()].filter((s) => s.status === 'ok').length,
      tools_quarantined: quarantined,
      reconnect_attempts: upstream.reconnects,
    };
    if (upstream.connectedAt !== undefined) facts.connected_at = upstream.connectedAt;
    const calls = this.#calls.snapshot();
    return {
      status, ...calls, lastSuccessAt: calls.lastSuccessAt ?? upstream.connectedAt, lastErrorCode: calls.lastErrorCode ?? upstream.lastErrorCode, facts,
    };
  }

  /**
   * Read the pins (store errors reject: without them nothing can be checked), then connect. An
   * unreachable upstream does not fail the start: health says so and reconnects are scheduled.
   */
  async start(): Promise<void> {
    const pins = await this.#deps.store.listToolPins(this.name);
    this.#apply(assessTools({ allowList: this.#allowList, upstream: undefined, pins, check: this.#check }));
    if (!(await this.#upstream.start())) {
      this.#deps.log.warn('mcp connector upstream unavailable at start', { connector: this.name });
    }
    this.#started = true;
    const interval = this.#deps.refreshIntervalMs ?? 60_000;
    if (interval > 0) {
      this.#timer = setInterval(() => this.#refresh(), interval);
      this.#timer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#upstream.close();
    await this.#queue.catch(() => undefined);
  }

  #now(): string {
    return (this.#deps.now ?? (() => new Date()))().toISOString();
  }

  /** The state of a tool that may be called now; throws TOOL_UNKNOWN or TOOL_QUARANTINED. */
  #usable(operation: string): Extract<ToolState, { status: 'ok' }> {
    const power = Object.hasOwn(this.config.tools, operation) ? this.config.tools[operation]?.power : undefined;
    if (power === undefined || !this.config.powers.includes(power)) {
      throw new GatehouseError('TOOL_UNKNOWN', `Connector "${this.name}" offers no operation "${operation.slice(0, 64)}".`, { connector: this.name });
    }
    const details = { connector: this.name, tool: operation };
    const state = this.#states.get(operation) ?? { status: 'quarantined', reason: 'unreviewed', rules: [] };
    if (state.status === 'quarantined') {
      throw new GatehouseError('TOOL_QUARANTINED', quarantineMessage(this.name, operation, state.reason, state.rules), { ...details, reason: state.reason });
    }
    const listed = this.#listed.get(operation);
    if (listed !== undefined && listed !== state.hash) {
      // Approved anew since the gateway built its tools: its schema and description must be re-read first.
      throw new GatehouseError('TOOL_QUARANTINED',
        `Tool "${operation}" of connector "${this.name}" was re-approved with a new definition; it is served once the gateway reloads its tools.`,
        { ...details, reason: 'reload' });
    }
    return state;
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Re-list the upstream's tools over the live connection and re-assess; failures are logged. */
  #refresh(): void {
    this.#enqueue(() => this.#assess(() => this.#upstream.listTools())).catch((err: unknown) => {
      const code = err instanceof GatehouseError ? err.code : 'INTERNAL_ERROR';
      if (code !== 'CONNECTOR_UNAVAILABLE') this.#deps.log.warn('mcp connector tool refresh failed', { connector: this.name, code });
    });
  }

  /** List, pin on first start, and assess every allow-listed tool against the pins. */
  async #assess(list: () => Promise<Tool[]>): Promise<void> {
    const upstream: ToolDefinition[] = (await list()).map((tool) => toolDefinition(tool));
    let pins = await this.#deps.store.listToolPins(this.name);
    if (pins.length === 0) {
      const first = initialPins(this.name, this.#allowList, upstream, this.#check, this.#now());
      if (first.length > 0) {
        await this.#deps.store.replaceToolPins(this.name, first);
        pins = first;
        this.#deps.log.info('mcp connector pinned its tool definitions on first start', {
          connector: this.name, tools: first.map((p) => p.tool),
        });
      }
    }
    this.#apply(assessTools({ allowList: this.#allowList, upstream, pins, check: this.#check }));
  }

  /** Take new tool states; log what changed and tell listeners when the served operations changed. */
  #apply(states: Map<string, ToolState>): void {
    const before = this.#states;
    this.#states = states;
    let changed = false;
    for (const [tool, state] of states) {
      const old = before.get(tool);
      if (state.status === 'quarantined') {
        if (old?.status !== 'quarantined' || old.reason !== state.reason) {
          this.#deps.log.warn('mcp connector tool quarantined', { connector: this.name, tool, reason: state.reason, rules: [...state.rules] });
        }
        if (this.#listed.has(tool)) changed = true;
      } else {
        if (old?.status === 'quarantined') this.#deps.log.info('mcp connector tool served again', { connector: this.name, tool });
        if (this.#listed.get(tool) !== state.hash) changed = true;
      }
    }
    if (changed && this.#started) for (const listener of this.#listeners) listener();
  }
}

/** The pinned description as the operation summary (the gateway adds power and source). */
function summaryOf(definition: ToolDefinition): string {
  const text = definition.description.trim();
  return text === '' ? `Upstream tool "${definition.name}".` : text;
}
