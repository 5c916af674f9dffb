/**
 * The one error catalog. Every error Gatehouse raises has a stable UPPER_SNAKE code, an HTTP status,
 * a JSON-RPC code, and says what was wrong and what to do. `docs/errors.md` lists the same codes;
 * a test keeps the two in step.
 *
 * `fault` separates the caller's mistakes from ours: a server fault never takes a client-fault code.
 * `surface` says how an MCP client sees it: as a JSON-RPC error (`protocol`) or as a tool result with
 * `isError: true` (`tool`), which the model can read and act on.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly jsonRpc: number;
  readonly fault: 'client' | 'server';
  readonly surface: 'protocol' | 'tool';
  /** What to do about it; appended to every message with this code. */
  readonly remedy: string;
}

const JSONRPC_PARSE_ERROR = -32700;
const JSONRPC_INVALID_REQUEST = -32600;
const JSONRPC_METHOD_NOT_FOUND = -32601;
const JSONRPC_INVALID_PARAMS = -32602;
const JSONRPC_INTERNAL = -32603;
/** Implementation-defined server errors live in -32000..-32099. */
const JSONRPC_UNAUTHORIZED = -32001;
const JSONRPC_FORBIDDEN = -32003;
const JSONRPC_UNAVAILABLE = -32004;
const JSONRPC_NOT_FOUND = -32005;

function client(status: number, jsonRpc: number, surface: 'protocol' | 'tool', remedy: string): ErrorSpec {
  return { status, jsonRpc, fault: 'client', surface, remedy };
}
function server(status: number, jsonRpc: number, surface: 'protocol' | 'tool', remedy: string): ErrorSpec {
  return { status, jsonRpc, fault: 'server', surface, remedy };
}

export const ERROR_CATALOG = {
  // --- authentication (HTTP 401 with WWW-Authenticate) ---
  AUTH_MISSING: client(401, JSONRPC_UNAUTHORIZED, 'protocol', 'Send the agent key as "Authorization: Bearer <key>".'),
  AUTH_INVALID: client(401, JSONRPC_UNAUTHORIZED, 'protocol', 'Check the agent key; create a new one with `gatehouse agent create NAME` or `agent rotate NAME`.'),
  AUTH_EXPIRED: client(401, JSONRPC_UNAUTHORIZED, 'protocol', 'The agent key has expired; issue a new one with `gatehouse agent rotate NAME`.'),
  AUTH_REVOKED: client(401, JSONRPC_UNAUTHORIZED, 'protocol', 'The agent or its key was revoked; ask the gateway administrator for a new identity.'),
  USER_ASSERTION_INVALID: client(401, JSONRPC_UNAUTHORIZED, 'protocol', 'The end-user assertion (X-Gatehouse-User) failed verification; mint a fresh token signed with the configured issuer key.'),
  USER_ASSERTION_NOT_ALLOWED: client(403, JSONRPC_FORBIDDEN, 'protocol', 'This agent may not act for end users; set `act_for_users: true` on the agent in gatehouse.yaml.'),

  // --- request shape (MCP / JSON-RPC / HTTP) ---
  REQUEST_MALFORMED: client(400, JSONRPC_INVALID_REQUEST, 'protocol', 'Send a JSON-RPC 2.0 request object as described by the MCP Streamable HTTP transport.'),
  REQUEST_PARSE_ERROR: client(400, JSONRPC_PARSE_ERROR, 'protocol', 'The body is not valid JSON; send a JSON-RPC 2.0 message.'),
  REQUEST_TOO_LARGE: client(413, JSONRPC_INVALID_REQUEST, 'protocol', 'Shorten the request; the limit is server.max_body_bytes in gatehouse.yaml.'),
  REQUEST_MEDIA_TYPE: client(415, JSONRPC_INVALID_REQUEST, 'protocol', 'Send the body with "Content-Type: application/json".'),
  REQUEST_NOT_ACCEPTABLE: client(406, JSONRPC_INVALID_REQUEST, 'protocol', 'Accept both application/json and text/event-stream, as the MCP Streamable HTTP transport requires.'),
  METHOD_NOT_ALLOWED: client(405, JSONRPC_INVALID_REQUEST, 'protocol', 'This gateway is stateless: use POST /mcp; there is no server-initiated stream or session to delete.'),
  METHOD_NOT_FOUND: client(404, JSONRPC_METHOD_NOT_FOUND, 'protocol', 'Call one of the MCP methods this server advertises (initialize, ping, tools/list, tools/call).'),
  PROTOCOL_VERSION_UNSUPPORTED: client(400, JSONRPC_INVALID_REQUEST, 'protocol', 'Send an MCP-Protocol-Version header with a version this server supports.'),

  // --- tool resolution and arguments ---
  TOOL_UNKNOWN: client(404, JSONRPC_INVALID_PARAMS, 'protocol', 'Call tools/list to see the tools this agent may use.'),
  ARGUMENTS_INVALID: client(400, JSONRPC_INVALID_PARAMS, 'tool', 'Fix the arguments to match the tool input schema from tools/list.'),
  PATH_OUTSIDE_ROOT: client(400, JSONRPC_INVALID_PARAMS, 'tool', 'Use a path relative to the connector folder, as returned by search; "..", absolute paths and symlinks out of the folder are refused.'),
  DOCUMENT_NOT_FOUND: client(404, JSONRPC_NOT_FOUND, 'tool', 'Use a path returned by the search tool.'),
  DOCUMENT_UNSUPPORTED: client(415, JSONRPC_INVALID_PARAMS, 'tool', 'Only Markdown, plain text and HTML documents can be read.'),
  DOCUMENT_TOO_LARGE: client(413, JSONRPC_INVALID_PARAMS, 'tool', 'The document is larger than the connector allows (max_document_bytes); ask the connector owner to split it or raise the limit.'),

  // --- connectors of record systems (SQL, HTTP, upstream MCP, webhooks) ---
  COLUMN_NOT_ALLOWED: client(403, JSONRPC_INVALID_PARAMS, 'tool', 'Use only the columns the connector declares for this table (and, for writes, only its writable columns).'),
  TABLE_NOT_ALLOWED: client(403, JSONRPC_INVALID_PARAMS, 'tool', 'Use only the tables the connector declares.'),
  ROW_NOT_FOUND: client(404, JSONRPC_NOT_FOUND, 'tool', 'Check the key; use the query tool to find rows you may see.'),
  ROW_FILTER_UNSATISFIED: client(403, JSONRPC_FORBIDDEN, 'tool', 'The row filter of the table confines this caller to some rows: act for a user whose identity carries the attributes it needs, and keep reads and writes within the rows that user may see.'),
  QUERY_REJECTED: client(400, JSONRPC_INVALID_PARAMS, 'tool', 'Send a single read-only SELECT over the declared tables and columns, or use the structured query tool.'),
  EGRESS_DENIED: client(403, JSONRPC_FORBIDDEN, 'tool', 'The destination is not allowed for this connector; ask the connector owner to allow it.'),
  UPSTREAM_REJECTED: client(422, JSONRPC_INVALID_PARAMS, 'tool', 'The upstream system refused the request (4xx); check the arguments.'),
  TOOL_QUARANTINED: client(423, JSONRPC_FORBIDDEN, 'tool', 'The tool is quarantined (its definition changed since it was approved, or its description was flagged); an administrator must review it with `gatehouse connector review NAME`.'),
  UPSTREAM_TIMEOUT: server(504, JSONRPC_UNAVAILABLE, 'tool', 'The upstream system did not answer in time; retry later.'),
  UPSTREAM_ERROR: server(502, JSONRPC_UNAVAILABLE, 'tool', 'The upstream system failed (5xx) or answered with an invalid response; retry later or tell the connector owner.'),
  SECRET_UNAVAILABLE: server(503, JSONRPC_INTERNAL, 'tool', 'A credential the connector needs is missing or cannot be decrypted; the administrator should set it with `gatehouse secret set NAME`.'),
  MASTER_KEY_MISSING: client(400, JSONRPC_INVALID_PARAMS, 'protocol', 'Set GATEHOUSE_MASTER_KEY (32 bytes, base64 or hex) or secrets.master_key_file in gatehouse.yaml.'),
  SECRET_NOT_FOUND: client(404, JSONRPC_NOT_FOUND, 'protocol', 'Use a name shown by `gatehouse secret list`.'),

  // --- decisions ---
  POLICY_DENIED: client(403, JSONRPC_FORBIDDEN, 'tool', 'Ask the connector owner for a policy that grants this access.'),
  CONNECTOR_PAUSED: client(423, JSONRPC_FORBIDDEN, 'tool', 'The connector was paused by an administrator; retry after `gatehouse connector resume NAME`.'),
  CONNECTOR_RETIRED: client(410, JSONRPC_FORBIDDEN, 'tool', 'The connector is no longer in service; ask its owner for a replacement.'),

  // --- guards ---
  GUARD_BLOCKED: client(422, JSONRPC_FORBIDDEN, 'tool', 'A guard found content this connector blocks (the finding kinds are listed); remove it from the arguments, or ask the connector owner to review the guard settings with `gatehouse scan`.'),
  DESTINATION_NOT_ALLOWED: client(403, JSONRPC_FORBIDDEN, 'tool', 'The arguments name a URL, e-mail address or domain outside the connector allow-list; use an approved destination or ask the connector owner to add it to guards.destinations.'),
  OUTPUT_TOO_LARGE: client(413, JSONRPC_INVALID_PARAMS, 'tool', 'The result is larger than the connector allows (guards.max_output_bytes / max_output_records); narrow the request, e.g. with a filter or a smaller limit.'),
  GUARD_FAILED: server(500, JSONRPC_INTERNAL, 'tool', 'A guard could not inspect the content, so the call was refused; the administrator should check the logs.'),
  GUARD_MODEL_INVALID: server(500, JSONRPC_INTERNAL, 'protocol', 'The injection model file is missing or damaged; reinstall Gatehouse or retrain it with `node scripts/train-injection.mjs`.'),

  // --- approvals, drafts and rollback ---
  APPROVAL_NOT_FOUND: client(404, JSONRPC_NOT_FOUND, 'tool', 'Use an approval id returned by the gated call or shown by `gatehouse approvals list`.'),
  APPROVAL_EXPIRED: client(410, JSONRPC_FORBIDDEN, 'tool', 'The approval expired before it was decided or executed; the agent must ask again.'),
  APPROVAL_ALREADY_DECIDED: client(409, JSONRPC_FORBIDDEN, 'tool', 'This request was already decided; see its state with `gatehouse approvals show ID`.'),
  APPROVAL_FORBIDDEN: client(403, JSONRPC_FORBIDDEN, 'tool', 'Only an approver of the named group (or an admin) who neither asked for the action nor owns the agent may decide it.'),
  APPROVAL_EDIT_INVALID: client(400, JSONRPC_INVALID_PARAMS, 'tool', 'Edited arguments must still match the tool input schema and stay within what policy permits for the requester.'),
  EXECUTION_INTERRUPTED: server(500, JSONRPC_INTERNAL, 'tool', 'The gateway stopped while executing an approved action; it was not retried. Check the target system, then ask again if needed.'),
  ROLLBACK_REFUSED: client(409, JSONRPC_FORBIDDEN, 'tool', 'The change cannot be reverted as recorded (it changed since, or nothing revertible was stored); inspect the record and fix it by hand.'),
  ADMIN_AUTH_INVALID: client(401, JSONRPC_UNAUTHORIZED, 'protocol', 'Send a valid administrator token (Authorization: Bearer gha_..., or GATEHOUSE_ADMIN_TOKEN for the CLI) or Basic name:password; create a token with `gatehouse admin token NAME`.'),
  ADMIN_NOT_DECLARED: client(404, JSONRPC_NOT_FOUND, 'protocol', 'Declare the person under `admins:` in gatehouse.yaml first.'),
  ADMIN_REQUEST_INVALID: client(400, JSONRPC_INVALID_PARAMS, 'protocol', 'Send the query parameters and JSON body the admin API describes at GET /admin/v1/openapi.json.'),
  ADMIN_ROUTE_NOT_FOUND: client(404, JSONRPC_METHOD_NOT_FOUND, 'protocol', 'Use a route of the admin API; GET /admin/v1/openapi.json lists them.'),
  ADMIN_METHOD_NOT_ALLOWED: client(405, JSONRPC_INVALID_REQUEST, 'protocol', 'Use the method in the Allow header; GET /admin/v1/openapi.json lists each route with its method.'),

  // --- server side: fail closed ---
  CONNECTOR_UNAVAILABLE: server(503, JSONRPC_UNAVAILABLE, 'tool', 'The system behind the connector is unreachable; this is not an empty answer. Retry later or tell the connector owner.'),
  POLICY_EVALUATION_FAILED: server(500, JSONRPC_INTERNAL, 'tool', 'The policy engine could not decide, so the call was denied; the administrator should check the policies and logs.'),
  AUDIT_WRITE_FAILED: server(503, JSONRPC_INTERNAL, 'tool', 'The audit trail could not be written, so the call was not answered; the administrator should check the store.'),
  STORE_UNAVAILABLE: server(503, JSONRPC_INTERNAL, 'protocol', 'The gateway store is unreachable; the administrator should check the store connection.'),
  INTERNAL_ERROR: server(500, JSONRPC_INTERNAL, 'protocol', 'An unexpected error occurred; report the request id to the administrator.'),

  // --- administration (CLI / startup) ---
  CONFIG_NOT_FOUND: client(400, JSONRPC_INVALID_PARAMS, 'protocol', 'Create one with `gatehouse init` or pass --config PATH.'),
  CONFIG_INVALID: client(400, JSONRPC_INVALID_PARAMS, 'protocol', 'Fix each listed key in gatehouse.yaml; the reference is docs/config.md.'),
  CONFIG_REFERENCE_UNRESOLVED: client(400, JSONRPC_INVALID_PARAMS, 'protocol', 'Set the referenced environment variable, or change the ${env:NAME} reference.'),
  POLICY_INVALID: client(400, JSONRPC_INVALID_PARAMS, 'protocol', 'Fix the listed policies; `gatehouse policy validate` shows every problem.'),
  POLICY_TEST_FAILED: client(400, JSONRPC_INVALID_PARAMS, 'protocol', 'A policy case did not get its expected decision; review the policies or the case table.'),
  AGENT_NOT_DECLARED: client(404, JSONRPC_NOT_FOUND, 'protocol', 'Declare the agent under `agents:` in gatehouse.yaml first.'),
  AGENT_HAS_NO_KEY: client(404, JSONRPC_NOT_FOUND, 'protocol', 'Create a key first with `gatehouse agent create NAME`.'),
  CONNECTOR_UNKNOWN: client(404, JSONRPC_NOT_FOUND, 'protocol', 'Use a connector name from `gatehouse connector list`.'),
  AUDIT_RECORD_NOT_FOUND: client(404, JSONRPC_NOT_FOUND, 'protocol', 'Use an id shown by `gatehouse audit tail`.'),
  AUDIT_CHAIN_BROKEN: server(500, JSONRPC_INTERNAL, 'protocol', 'The audit trail was altered; preserve the store and investigate from the first reported record.'),
  USAGE: client(400, JSONRPC_INVALID_PARAMS, 'protocol', 'See `gatehouse --help`.'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Facts about an error that are safe to show and log: ids and names, never payloads or secrets. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

/** A Gatehouse error with a stable code. The message states the problem; the remedy comes from the catalog. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, problem: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(`${problem} ${ERROR_CATALOG[code].remedy}`, options);
    this.name = 'GatehouseError';
    this.code = code;
    this.details = details;
  }

  get spec(): ErrorSpec {
    return ERROR_CATALOG[this.code];
  }
}

/** Wrap anything thrown into a GatehouseError without leaking its message (it may hold data). */
export function asGatehouseError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  return new GatehouseError('INTERNAL_ERROR', 'Internal error.', {}, { cause: err });
}
