/**
 * Configuration of the `mcp` connector: an upstream MCP server reached over stdio (`command`) or
 * Streamable HTTP (`url`), with an allow-list of its tools, each with a declared power.
 */
import { z } from 'zod';
import { SECRET_REFERENCE, connectorCommon, duration } from '../../config/schema-parts.js';
import { POWERS } from '../../domain/types.js';

/** Upstream tool names usable as operation names: the gateway names the tool `<connector>_<tool>`. */
export const UPSTREAM_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Names of environment variables and headers that must be given as secret references. */
const SENSITIVE_NAME = /(token|secret|password|passwd|credential|api[-_]?key|private[-_]?key|cookie|authorization)/i;

/** A value that is either a secret reference or, for non-sensitive names, a literal. */
const valueOrReference = z.string().max(8192);

const allowedTool = z.strictObject({
  /** The power this tool exercises; policies and the tool description state it. */
  power: z.enum(POWERS),
});

/** The `mcp` connector entry of gatehouse.yaml. */
export const mcpConnectorSchema = z.strictObject({
  ...connectorCommon,
  type: z.literal('mcp'),
  /** Start the upstream as a child process speaking MCP over stdio: program and arguments. */
  command: z.array(z.string().min(1)).min(1).optional(),
  /** Working directory of the command (relative paths are resolved against the config file). */
  cwd: z.string().min(1).optional(),
  /**
   * Environment of the command, on top of a minimal inherited set (HOME, PATH, ...). Values are
   * literals or `${env:NAME}` / `${secret:NAME}` references; sensitive names require references.
   */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), valueOrReference).default({}),
  /** Reach the upstream over MCP Streamable HTTP at this URL. */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /** Headers sent with every HTTP request (e.g. Authorization); same value rules as `env`. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), valueOrReference).default({}),
  /** The allow-list: only these upstream tools are exposed, each with its power. */
  tools: z.record(z.string().regex(UPSTREAM_TOOL_NAME, { message: 'tool names use letters, digits, "_" and "-" only' }), allowedTool)
    .refine((tools) => Object.keys(tools).length > 0, { message: 'allow at least one upstream tool' }),
  /** Bound on each call; connecting and listing tools get at least 30 s. */
  timeout: duration.default('30s'),
  /** Largest tool result passed on (text and structured content, each), in bytes. */
  max_result_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
}).superRefine((value, ctx) => {
  if ((value.command === undefined) === (value.url === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['command'], message: 'set exactly one of "command" (stdio) or "url" (Streamable HTTP)' });
  }
  if (value.url !== undefined && Object.keys(value.env).length > 0) {
    ctx.addIssue({ code: 'custom', path: ['env'], message: '"env" applies to a stdio "command" only' });
  }
  if (value.url !== undefined && value.cwd !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['cwd'], message: '"cwd" applies to a stdio "command" only' });
  }
  if (value.command !== undefined && Object.keys(value.headers).length > 0) {
    ctx.addIssue({ code: 'custom', path: ['headers'], message: '"headers" apply to a "url" only' });
  }
  if (value.url !== undefined && (/^[a-z]+:\/\/[^/]*@/i.test(value.url))) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'put credentials in "headers" as secret references, not in the URL' });
  }
  for (const [key, entries] of [['env', value.env], ['headers', value.headers]] as const) {
    for (const [name, v] of Object.entries(entries)) {
      if (SENSITIVE_NAME.test(name) && !SECRET_REFERENCE.test(v)) {
        ctx.addIssue({ code: 'custom', path: [key, name], message: 'this value looks like a credential: give it as a reference such as "${secret:NAME}"' });
      }
    }
  }
});

/** A validated `mcp` connector entry. */
export type McpConnectorConfig = z.output<typeof mcpConnectorSchema>;
