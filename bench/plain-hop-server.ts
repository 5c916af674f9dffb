/**
 * Baseline for gateway-bench: the same files connector behind a plain JSON-RPC-over-HTTP hop, with
 * no authentication, policy, audit or MCP layer. The gateway's cost is what it adds over this.
 *
 *   node dist/bench/plain-hop-server.js CONFIG_FILE   → prints "listening URL" on stderr
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/load.js';
import type { FilesConnectorConfig } from '../src/config/schema.js';
import { createFilesConnector } from '../src/connectors/files/files-connector.js';
import { silentLogger } from '../src/ops/logger.js';
import { openStore } from '../src/store/open-store.js';

const config = loadConfig(process.argv[2] ?? 'gatehouse.yaml');
const store = await openStore(config.store);
const connector = createFilesConnector(config.connectors[0] as FilesConnectorConfig, { store, log: silentLogger, watch: false });
await connector.start();
const caller = { agent: { name: 'bench', owner: 'x', description: undefined, groups: [], attributes: {}, actForUsers: false }, keyId: 'k', user: undefined };
const ctx = { caller, mayAccess: () => true, signal: new AbortController().signal };

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; params: { name: string; arguments: Record<string, unknown> } };
    const operation = message.params.name.replace(/^handbook_/, '');
    connector.execute(operation, message.params.arguments, ctx).then((result) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: result.text }], structuredContent: result.structured } });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    }, () => res.writeHead(500).end());
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stderr.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}/\n`);
});
process.once('SIGTERM', () => {
  server.close();
  void connector.close().then(() => store.close()).then(() => process.exit(0));
});
