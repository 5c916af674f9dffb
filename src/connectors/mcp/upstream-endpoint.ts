/**
 * Where an mcp connector's upstream is, from its configuration: built once (references checked
 * now), resolved on every connection attempt (store secrets may rotate between attempts).
 * Also a one-shot listing of the upstream's tools, for `gatehouse connector review`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { durationMs } from '../../config/schema-parts.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { SecretResolver } from '../../secrets/secret-resolver.js';
import { configValue, resolveValues, type ConfigValue } from '../config-value.js';
import type { McpConnectorConfig } from './mcp-config.js';
import { toolDefinition, type ToolDefinition } from './tool-pins.js';
import { listAll, upstreamError } from './upstream-client.js';
import { createTransport, type UpstreamEndpoint } from './upstream-transport.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Connecting and listing may take longer than a call (a stdio server may be slow to start). */
export const MIN_CONNECT_TIMEOUT_MS = 30_000;

/** Bound on connecting and listing tools: the connector timeout, but at least 30 s. */
export function connectTimeoutMs(config: McpConnectorConfig): number {
  return Math.max(durationMs(config.timeout), MIN_CONNECT_TIMEOUT_MS);
}

/** Largest single upstream message for a connector: room for JSON escaping and text plus structured content. */
export function maxMessageBytes(config: McpConnectorConfig): number {
  return 2 * config.max_result_bytes + 1024 * 1024;
}

/**
 * A function giving the upstream endpoint with secrets resolved. Throws CONFIG_INVALID or
 * CONFIG_REFERENCE_UNRESOLVED now for a configuration that can never connect.
 */
export function endpointFactory(config: McpConnectorConfig, secrets: SecretResolver, env: Env): () => Promise<UpstreamEndpoint> {
  const values = (entries: Readonly<Record<string, string>>, key: string) => Object.fromEntries(
    Object.entries(entries).map(([k, v]): [string, ConfigValue] => [k, configValue(v, `connectors.${config.name}.${key}.${k}`, env)]),
  );
  const [command, ...args] = config.command ?? [];
  if (command !== undefined) {
    const childEnv = values(config.env, 'env');
    return async () => ({ kind: 'stdio', command, args, cwd: config.cwd, env: await resolveValues(childEnv, secrets) });
  }
  if (config.url === undefined) {
    throw new GatehouseError('CONFIG_INVALID', `connectors.${config.name}: set exactly one of "command" or "url".`, { connector: config.name });
  }
  const url = config.url;
  const headers = values(config.headers, 'headers');
  return async () => ({ kind: 'http', url, headers: await resolveValues(headers, secrets) });
}

/** Connect once, list the upstream's tools (pinned form), and disconnect. Bounded like the connector. */
export async function fetchToolDefinitions(config: McpConnectorConfig, secrets: SecretResolver, env: Env = process.env): Promise<ToolDefinition[]> {
  const endpoint = await endpointFactory(config, secrets, env)();
  const timeoutMs = connectTimeoutMs(config);
  const transport = createTransport(endpoint, { maxMessageBytes: maxMessageBytes(config), requestTimeoutMs: timeoutMs + 5000 });
  const client = new Client({ name: 'gatehouse', version: '0.1.0' }, { capabilities: {} });
  try {
    await client.connect(transport, { timeout: timeoutMs });
    return (await listAll(client, timeoutMs)).map((tool) => toolDefinition(tool));
  } catch (err) {
    throw upstreamError(err, config.name, transport.failure).error;
  } finally {
    await client.close().catch(() => undefined);
  }
}
