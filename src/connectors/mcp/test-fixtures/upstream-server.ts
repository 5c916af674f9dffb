/**
 * A real upstream MCP server for the mcp connector's tests, built on the SDK's `Server`. Its tools
 * come from a JSON spec file that is re-read on every request, so a test can change a description
 * between (or during) connections. Each tool has a behaviour, including misbehaviours:
 *
 *   echo       text + structuredContent with the arguments
 *   secret     the credential it was given (stdio: $TRACKER_TOKEN; HTTP: the Authorization header)
 *   error      a tool error (isError: true)
 *   big        text of `bytes` bytes (argument `bytes`)
 *   hang       never answers
 *   malformed  a response with the right id and an invalid result (bypassing the SDK's checks)
 *   garbage    a line that is not JSON (stdio), a body that is not JSON (HTTP)
 *   crash      the process exits (stdio only)
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export type FixtureBehaviour = 'echo' | 'secret' | 'error' | 'big' | 'hang' | 'malformed' | 'garbage' | 'crash';

export interface FixtureTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly behaviour: FixtureBehaviour;
}

export interface FixtureSpec {
  readonly tools: readonly FixtureTool[];
}

/** How a behaviour that bypasses the SDK writes its raw response. */
export type RawWriter = (text: string) => void;

export function readSpec(file: string): FixtureSpec {
  return JSON.parse(readFileSync(file, 'utf8')) as FixtureSpec;
}

const never = () => new Promise<never>(() => undefined);

/** The raw text of a response with a valid id and an invalid result. */
export function malformedResponse(id: string | number): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result: { content: 'not-an-array' } });
}

/**
 * The fixture server. `raw` writes bypassing the SDK (stdio only); `credential` tells what
 * credential reached the server for a request.
 */
export function createFixtureServer(specFile: string, raw: RawWriter | undefined, credential: (headers: Record<string, unknown> | undefined) => string): Server {
  const server = new Server({ name: 'fixture-upstream', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: readSpec(specFile).tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema: inputSchema as { type: 'object' } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = readSpec(specFile).tools.find((t) => t.name === request.params.name);
    const args = request.params.arguments ?? {};
    switch (tool?.behaviour) {
      case 'echo':
        return { content: [{ type: 'text', text: `echo ${JSON.stringify(args)}` }], structuredContent: { args } };
      case 'secret':
        return { content: [{ type: 'text', text: credential(extra.requestInfo?.headers as Record<string, unknown> | undefined) }] };
      case 'error':
        return { isError: true, content: [{ type: 'text', text: 'issue not found' }] };
      case 'big':
        return { content: [{ type: 'text', text: 'x'.repeat(Number(args.bytes ?? 1000)) }] };
      case 'malformed':
        raw?.(`${malformedResponse(extra.requestId)}\n`);
        return never();
      case 'garbage':
        raw?.('this is not json\n');
        return never();
      case 'crash':
        process.exit(3);
        return never();
      case 'hang':
        return never();
      default:
        return { isError: true, content: [{ type: 'text', text: 'unknown tool' }] };
    }
  });
  return server;
}

/** A running HTTP fixture. */
export interface HttpFixture {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text) as unknown;
}

/** Serve the fixture over stateless Streamable HTTP at http://127.0.0.1:PORT/mcp (PORT 0 picks one). */
export async function startHttpFixture(specFile: string, port = 0): Promise<HttpFixture> {
  const http: HttpServer = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const message = body as { method?: string; id?: number; params?: { name?: string } } | undefined;
      if (message?.method === 'tools/call') {
        const behaviour = readSpec(specFile).tools.find((t) => t.name === message.params?.name)?.behaviour;
        if (behaviour === 'malformed' || behaviour === 'garbage') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(behaviour === 'malformed' ? malformedResponse(message.id ?? 0) : 'this is not json');
          return;
        }
      }
      const server = createFixtureServer(specFile, undefined, (headers) => String(headers?.authorization ?? ''));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const actual = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/mcp`,
    port: actual,
    close: () => new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }),
  };
}
