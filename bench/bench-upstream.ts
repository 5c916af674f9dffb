/**
 * The upstream MCP server of connector-bench: one tool, `lookup`, answering a customer-like row as
 * text and structured content. It speaks Streamable HTTP on 127.0.0.1 with sessions (one SDK
 * `Server` and transport per session), so a kept-alive client — the gateway's mcp connector or the
 * bench's direct client — pays for one call, not for setting up a server per request. Responses are
 * the SDK's default event streams: with `enableJsonResponse` a session transport of SDK 1.32 keeps an
 * entry per request for good (`_streamMapping` is never cleaned up after a JSON response).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The tool the upstream offers (allow-list it in the mcp connector). */
export const UPSTREAM_TOOL = 'lookup';

/** A running upstream. */
export interface BenchUpstream {
  readonly url: string;
  close(): Promise<void>;
}

function upstreamServer(): Server {
  const server = new Server({ name: 'bench-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [{
      name: UPSTREAM_TOOL,
      description: 'Look up one customer by id.',
      inputSchema: { type: 'object' as const, properties: { id: { type: 'integer', description: 'Customer id.' } }, required: ['id'] },
    }],
  }));
  server.setRequestHandler(CallToolRequestSchema, (request): CallToolResult => {
    if (request.params.name !== UPSTREAM_TOOL) return { isError: true, content: [{ type: 'text', text: 'unknown tool' }] };
    const id = Number(request.params.arguments?.id ?? 0);
    const row = { id, name: `Customer ${id}`, email: `customer${id}@example.com`, region: id % 2 === 0 ? 'eu' : 'us', plan: 'pro' };
    return { content: [{ type: 'text', text: JSON.stringify(row) }], structuredContent: { row } };
  });
  return server;
}

/** Start the upstream on 127.0.0.1 (a free port); its endpoint is `url`. */
export async function startBenchUpstream(): Promise<BenchUpstream> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const id = req.headers['mcp-session-id'];
    const existing = typeof id === 'string' ? sessions.get(id) : undefined;
    if (existing !== undefined) return existing.handleRequest(req, res);
    // No (known) session: only an initialize request opens one; the transport refuses anything else.
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sid) => {
        sessions.set(sid, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await upstreamServer().connect(transport);
    await transport.handleRequest(req, res);
  };
  const http = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  http.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    async close() {
      for (const transport of sessions.values()) await transport.close().catch(() => undefined);
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
