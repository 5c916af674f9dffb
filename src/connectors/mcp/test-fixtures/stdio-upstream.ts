/**
 * The fixture upstream as a stdio MCP server: `node stdio-upstream.js SPEC_FILE`.
 * Sends notifications/tools/list_changed when the spec file changes; exits when stdin closes.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createFixtureServer } from './upstream-server.js';

const specFile = process.argv[2];
if (specFile === undefined) {
  process.stderr.write('usage: stdio-upstream SPEC_FILE\n');
  process.exit(2);
}
const server = createFixtureServer(specFile, (text) => process.stdout.write(text), () => process.env.TRACKER_TOKEN ?? '');
await server.connect(new StdioServerTransport());
watchFile(specFile, { interval: 50 }, () => {
  server.sendToolListChanged().catch(() => undefined);
});
process.stdin.on('end', () => {
  unwatchFile(specFile);
  process.exit(0);
});
