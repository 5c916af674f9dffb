/**
 * Audit records for MCP requests that are not tool calls or tool listings (initialize, ping,
 * unknown methods), so that every request an agent makes leaves a record.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { AuditSink } from '../audit/audit-entry.js';
import type { Caller } from '../domain/types.js';
import { newRequestId } from './mcp-server.js';

/** Methods whose handlers write their own, richer record. */
const SELF_AUDITED = new Set(['tools/call', 'tools/list']);

/** Record one entry for a request/response pair unless its handler already did. */
export async function auditMcpRequest(audit: AuditSink, caller: Caller, client: string | undefined,
  request: JSONRPCMessage, response: JSONRPCMessage | undefined, durationMs: number): Promise<void> {
  if (!('method' in request) || !('id' in request) || SELF_AUDITED.has(request.method)) return;
  const failed = response !== undefined && 'error' in response;
  const errorCode = !failed ? undefined : response.error.code === -32601 ? 'METHOD_NOT_FOUND' : `JSONRPC_${response.error.code}`;
  await audit.record({
    kind: 'mcp_request',
    requestId: newRequestId(),
    actor: { agent: caller.agent.name, keyId: caller.keyId, ...(caller.user ? { user: caller.user.id } : {}) },
    action: request.method.slice(0, 64),
    decision: 'none',
    policyIds: [],
    status: failed ? 'error' : 'ok',
    ...(errorCode === undefined ? {} : { errorCode }),
    durationMs,
    ...(client === undefined ? {} : { client }),
  });
}
