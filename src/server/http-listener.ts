/**
 * The HTTP listener: MCP Streamable HTTP on /mcp (stateless: POST only, no session id), plus
 * /healthz, /readyz and the admin API under /admin/v1/ (admin-api.ts). On /mcp it checks
 * transport-level rules (method, media types, size, JSON-RPC shape),
 * authenticates the agent (step 1 of the request path, so a bad key is a real HTTP 401), and hands
 * the messages to the MCP server. It holds no access rules of its own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { AuditEntry } from '../audit/audit-entry.js';
import type { Caller } from '../domain/types.js';
import { asGatehouseError, GatehouseError } from '../errors/catalog.js';
import { USER_ASSERTION_HEADER } from '../identity/user-assertion.js';
import type { Runtime } from '../main/runtime.js';
import { createAdminApi } from './admin-api.js';
import { auditMcpRequest } from './audit-mcp-request.js';
import { readBody, sendJson } from './http-io.js';
import { authInfoFor, newRequestId } from './mcp-server.js';
import type { StatelessTransport } from './stateless-transport.js';

export interface HttpListenerDeps {
  readonly current: () => Runtime;
  readonly transport: StatelessTransport;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Build the request handler for node:http. */
export function createHttpHandler(deps: HttpListenerDeps): Handler {
  const admin = createAdminApi(deps.current);
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/mcp') {
      handleMcp(req, res, deps).catch((err) => {
        deps.current().log.error('unhandled error on /mcp', { code: asGatehouseError(err).code });
        if (!res.headersSent) sendError(res, asGatehouseError(err), newRequestId());
        else res.end();
      });
      return;
    }
    if (path === '/admin/v1' || path.startsWith('/admin/v1/')) return admin(req, res);
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      deps.current().store.auditHead().then(
        () => sendJson(res, 200, { status: 'ready' }),
        () => sendJson(res, 503, { status: 'store unavailable' }),
      );
      return;
    }
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'Not found. The MCP endpoint is POST /mcp.' } });
  };
}

async function handleMcp(req: IncomingMessage, res: ServerResponse, deps: HttpListenerDeps): Promise<void> {
  const runtime = deps.current();
  const requestId = newRequestId();
  const started = performance.now();
  const client = req.socket.remoteAddress;
  const audit = (entry: Omit<AuditEntry, 'requestId' | 'durationMs' | 'client'>) =>
    runtime.audit.record({ ...entry, requestId, durationMs: Math.round((performance.now() - started) * 1000) / 1000, ...(client ? { client } : {}) });

  // 1. Authenticate before reading the body: unauthenticated callers get no further.
  let caller: Caller;
  try {
    caller = await runtime.authenticator.authenticate({
      agentKey: bearerToken(req.headers.authorization),
      userAssertion: headerValue(req.headers[USER_ASSERTION_HEADER]),
    });
  } catch (err) {
    const error = asGatehouseError(err);
    const agent = typeof error.details.agent === 'string' ? error.details.agent : undefined;
    await audit({
      kind: 'auth_failure', actor: agent === undefined ? {} : { agent, keyId: String(error.details.keyId ?? '') },
      decision: 'unauthenticated', policyIds: [], status: 'denied', errorCode: error.code,
    }).catch(() => undefined);
    return sendError(res, error, requestId);
  }

  const refuse = async (error: GatehouseError) => {
    await audit({
      kind: 'protocol_error', actor: { agent: caller.agent.name, keyId: caller.keyId }, decision: 'none', policyIds: [],
      status: 'error', errorCode: error.code,
    }).catch(() => undefined);
    sendError(res, error, requestId);
  };

  if (req.method !== 'POST') return refuse(new GatehouseError('METHOD_NOT_ALLOWED', `${req.method ?? 'This method'} is not supported on /mcp.`));
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    return refuse(new GatehouseError('REQUEST_MEDIA_TYPE', 'The request body must be JSON.'));
  }
  const accept = req.headers.accept ?? '';
  if (!(accept.includes('application/json') || accept.includes('*/*')) || !(accept.includes('text/event-stream') || accept.includes('*/*'))) {
    return refuse(new GatehouseError('REQUEST_NOT_ACCEPTABLE', 'The Accept header must list application/json and text/event-stream.'));
  }
  const version = headerValue(req.headers['mcp-protocol-version']);
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    return refuse(new GatehouseError('PROTOCOL_VERSION_UNSUPPORTED', `MCP protocol version "${version.slice(0, 32)}" is not supported (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}).`));
  }

  const limit = runtime.config.server.max_body_bytes;
  const body = await readBody(req, limit);
  if (body === 'too-large') {
    res.setHeader('Connection', 'close');
    return refuse(new GatehouseError('REQUEST_TOO_LARGE', `The request body exceeds ${limit} bytes.`));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return refuse(new GatehouseError('REQUEST_PARSE_ERROR', 'The request body is not valid JSON.'));
  }
  const batch = Array.isArray(parsed);
  const items: unknown[] = batch ? (parsed as unknown[]) : [parsed];
  const messages: JSONRPCMessage[] = [];
  for (const item of items) {
    const checked = JSONRPCMessageSchema.safeParse(item);
    if (!checked.success) return refuse(new GatehouseError('REQUEST_MALFORMED', 'The body is not a JSON-RPC 2.0 message.'));
    messages.push(checked.data);
  }
  if (messages.length === 0) return refuse(new GatehouseError('REQUEST_MALFORMED', 'An empty batch is not a JSON-RPC message.'));

  respond(req, res, deps.transport, messages, batch, { caller, client }, deps.current);
}

/** Dispatch to the MCP server and write its answers: JSON, or SSE once a notification must go first. */
function respond(req: IncomingMessage, res: ServerResponse, transport: StatelessTransport, messages: JSONRPCMessage[], batch: boolean,
  identity: { caller: Caller; client: string | undefined }, current: () => Runtime): void {
  let streaming = false;
  let done = false;
  const started = performance.now();
  const runtime = current();
  const write = (responses: JSONRPCMessage[]) => {
    if (responses.length === 0) {
      res.writeHead(202).end();
    } else if (streaming) {
      for (const r of responses) res.write(`event: message\ndata: ${JSON.stringify(r)}\n\n`);
      res.end();
    } else {
      const payload = JSON.stringify(batch ? responses : responses[0]);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }).end(payload);
    }
  };
  const cancel = transport.dispatch(messages, authInfoFor(identity), req.headers, {
    notify(message) {
      if (done) return;
      if (!streaming) {
        streaming = true;
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      }
      res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    },
    complete(responses) {
      done = true;
      const requests = messages.filter((m) => 'method' in m && 'id' in m);
      const elapsed = Math.round(performance.now() - started);
      // Durable before the answer leaves; a failed audit write withholds it (fail closed).
      Promise.all(requests.map((request, i) => auditMcpRequest(runtime.audit, identity.caller, identity.client, request, responses[i], elapsed)))
        .then(() => write(responses), () => {
          if (!streaming) sendError(res, new GatehouseError('AUDIT_WRITE_FAILED', 'The audit record could not be written.'), newRequestId());
          else res.end();
        });
    },
  });
  res.on('close', () => {
    if (!done) cancel();
  });
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A JSON-RPC error response with the catalog's status; 401s carry WWW-Authenticate. */
function sendError(res: ServerResponse, error: GatehouseError, requestId: string): void {
  const headers: Record<string, string> = {};
  if (error.spec.status === 401) {
    const kind = error.code === 'AUTH_MISSING' ? '' : ', error="invalid_token"';
    headers['WWW-Authenticate'] = `Bearer realm="gatehouse"${kind}, error_description="${error.code}"`;
  }
  if (error.code === 'METHOD_NOT_ALLOWED') headers.Allow = 'POST';
  sendJson(res, error.spec.status, {
    jsonrpc: '2.0',
    id: null,
    error: { code: error.spec.jsonRpc, message: `${error.code}: ${error.message}`, data: { code: error.code, requestId } },
  }, headers);
}
