/**
 * The MCP face of the gateway, built on the SDK's low-level `Server`: tools/list and tools/call.
 * The same server definition serves Streamable HTTP (through StatelessTransport) and stdio.
 * Each request carries its authenticated Caller in `authInfo.extra`, put there by the listener.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  CallToolRequestSchema, ListToolsRequestSchema, McpError, type CallToolResult, type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '../domain/types.js';
import { asGatehouseError, type GatehouseError } from '../errors/catalog.js';
import { untrustedMeta } from '../guards/untrusted.js';
import type { Runtime } from '../main/runtime.js';
import { CallFailure, runToolCall } from '../pipeline/runner.js';
import { answerHeld, APPROVAL_TOOLS, callApprovalTool, STATUS_TOOL, WAIT_TOOL } from './approval-tools.js';

export const SERVER_NAME = 'gatehouse';
export const SERVER_VERSION = '0.1.0';

const INSTRUCTIONS = 'Gatehouse gives governed access to approved company systems. Each tool states its power '
  + '(read, search, draft, write, trigger) and its source. Every call is authorized by policy and audited; '
  + 'a refused call explains which policy decided and whom to ask for access.';

/** What the listener attaches to each request. */
export interface RequestIdentity {
  readonly caller: Caller;
  readonly client: string | undefined;
}

export function authInfoFor(identity: RequestIdentity): AuthInfo {
  // The raw key is deliberately not carried: handlers never need it and it must not leak.
  return { token: '', clientId: identity.caller.agent.name, scopes: [], extra: { identity } };
}

function identityOf(authInfo: AuthInfo | undefined): RequestIdentity {
  const identity = authInfo?.extra?.identity as RequestIdentity | undefined;
  if (identity === undefined) throw new McpError(-32001, 'Request is not authenticated.');
  return identity;
}

export function newRequestId(): string {
  return `req_${randomBytes(9).toString('base64url')}`;
}

/** Build the MCP server. `current()` returns the live runtime (swapped on configuration reload). */
export function createMcpServer(current: () => Runtime): Server {
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    const identity = identityOf(extra.authInfo);
    const runtime = current();
    const started = performance.now();
    const requestId = newRequestId();
    let tools: Tool[];
    try {
      tools = await listToolsFor(identity.caller, runtime);
    } catch (err) {
      const error = asGatehouseError(err);
      await runtime.audit.record(listEntry(identity, requestId, started, 'error', error.code, 'error'));
      throw toMcpError(error, requestId);
    }
    await runtime.audit.record(listEntry(identity, requestId, started, 'allow', undefined, `${tools.length} tools`));
    return { tools };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const identity = identityOf(extra.authInfo);
    const runtime = current();
    const requestId = newRequestId();
    const wait = { signal: extra.signal, progressToken: request.params._meta?.progressToken, sendNotification: extra.sendNotification };
    if (request.params.name === STATUS_TOOL || request.params.name === WAIT_TOOL) {
      return callApprovalTool(runtime, identity, request.params.name, request.params.arguments ?? {}, wait);
    }
    try {
      const outcome = await runToolCall({
        requestId,
        caller: identity.caller,
        toolName: request.params.name,
        arguments: request.params.arguments ?? {},
        signal: extra.signal,
        client: identity.client,
      }, runtime);
      const result: CallToolResult = {
        content: [{ type: 'text', text: outcome.result.text }],
        structuredContent: { ...outcome.result.structured },
        _meta: {
          'gatehouse/requestId': requestId, 'gatehouse/auditId': outcome.auditId,
          ...untrustedMeta(outcome.result.untrusted),
          ...(outcome.held === undefined ? {} : { 'gatehouse/approvalId': outcome.held.id, 'gatehouse/approvalStatus': outcome.held.status }),
        },
      };
      return outcome.held === undefined ? result : await answerHeld(runtime, outcome.held, result, wait);
    } catch (err) {
      const failure = err instanceof CallFailure ? err : new CallFailure(asGatehouseError(err), undefined);
      const { error, auditId } = failure;
      if (error.spec.surface === 'protocol') throw toMcpError(error, requestId, auditId);
      return {
        isError: true,
        content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
        _meta: { 'gatehouse/requestId': requestId, 'gatehouse/errorCode': error.code, ...(auditId ? { 'gatehouse/auditId': auditId } : {}) },
      };
    }
  });

  return server;
}

/** The tools policy could let this caller use, from connectors that are not paused. */
async function listToolsFor(caller: Caller, runtime: Runtime): Promise<Tool[]> {
  const paused = new Set((await runtime.store.listConnectorStates()).filter((s) => s.state === 'paused').map((s) => s.connector));
  const tools = runtime.tools.all()
    .filter((tool) => tool.operation.hidden !== true && !paused.has(tool.connector.name))
    .filter((tool) => runtime.authorizer.mayUse(caller, tool.operation.power, tool.facts, tool.name, tool.operation.name))
    .map((tool) => {
      const readOnly = tool.operation.power === 'read' || tool.operation.power === 'search';
      return {
        name: tool.name,
        title: `${tool.facts.name}: ${tool.operation.name}`,
        description: tool.description,
        inputSchema: tool.operation.inputSchema as Tool['inputSchema'],
        annotations: { readOnlyHint: readOnly, destructiveHint: tool.operation.power === 'write', openWorldHint: false },
      };
    });
  return runtime.approvalsInUse ? [...tools, ...APPROVAL_TOOLS] : tools;
}

function listEntry(identity: RequestIdentity, requestId: string, started: number, decision: 'allow' | 'error', errorCode: string | undefined, summary: string) {
  return {
    kind: 'tools_list' as const,
    requestId,
    actor: { agent: identity.caller.agent.name, keyId: identity.caller.keyId, ...(identity.caller.user ? { user: identity.caller.user.id } : {}) },
    decision,
    policyIds: [],
    status: errorCode === undefined ? 'ok' as const : 'error' as const,
    ...(errorCode === undefined ? {} : { errorCode }),
    summary,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    ...(identity.client === undefined ? {} : { client: identity.client }),
  };
}

/** A JSON-RPC error for the client: the catalog's code and message, plus ids. Never payloads. */
export function toMcpError(error: GatehouseError, requestId: string, auditId?: string): McpError {
  return new McpError(error.spec.jsonRpc, `${error.code}: ${error.message}`, {
    code: error.code, requestId, ...(auditId === undefined ? {} : { auditId }),
  });
}
