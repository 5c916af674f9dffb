import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Caller } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import { silentLogger } from '../../ops/logger.js';
import type { Connector, ConnectorContext } from '../connector.js';
import { createHttpConnector, type HttpConnectorDeps } from './http-connector.js';
import { httpConfig, json, rejectsWith, startServer, testSecrets, type TestServer } from './http-test-server.js';

const CALLER: Caller = {
  agent: { name: 'helper', owner: 'ops', description: undefined, groups: [], attributes: {}, actForUsers: false },
  keyId: 'k1', user: undefined,
};

function ctx(signal: AbortSignal = new AbortController().signal): ConnectorContext {
  return { caller: CALLER, mayAccess: () => true, signal };
}


const OPENAPI = `
openapi: 3.1.0
info: { title: Helpdesk, version: "2" }
paths:
  /tickets/{id}:
    get:
      operationId: getTicket
      summary: Fetch one ticket.
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      responses: { '200': { description: ok } }
    put:
      operationId: updateTicket
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      requestBody:
        required: true
        content: { application/json: { schema: { type: object, properties: { status: { type: string } }, additionalProperties: false } } }
      responses: { '200': { description: ok } }
  /tickets:
    get:
      operationId: listTickets
      parameters:
        - { name: status, in: query, schema: { type: string } }
      responses: { '200': { description: ok } }
    post:
      operationId: createTicket
      requestBody:
        required: true
        content: { application/json: { schema: { type: object } } }
      responses: { '201': { description: ok } }
  /tickets/{id}/replies:
    post:
      operationId: draftReply
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      requestBody:
        content: { application/json: { schema: { type: object } } }
      responses: { '201': { description: ok } }
  /tickets/{id}/raw:
    get:
      operationId: rawTicket
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      responses: { '200': { description: ok } }
`;

describe('http connector', () => {
  let server: TestServer;
  let dir: string;
  const open: Connector[] = [];
  const TICKET = { id: 7, subject: 'Printer on fire', status: 'open', internal_note: 'vip', requester: { name: 'Ada', email: 'ada@example.com' } };

  before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-http-'));
    writeFileSync(join(dir, 'helpdesk.yaml'), OPENAPI);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    server.requests.length = 0;
    server.handler = (_req, res) => json(res, 200, TICKET);
    for (const c of open.splice(0)) await c.close();
  });

  const connector = (raw: Record<string, unknown> = {}, deps: Partial<HttpConnectorDeps> = {}) => {
    const c = createHttpConnector(httpConfig({
      base_url: `${server.origin}/api/v2`, openapi: join(dir, 'helpdesk.yaml'), allow_private_network: true, timeout: '2s',
      operations: {
        getTicket: { response_fields: ['id', 'subject', 'status', 'requester.name'] },
        listTickets: { power: 'search', response_fields: ['items.id', 'items.subject'] },
        updateTicket: {}, createTicket: {}, draftReply: { power: 'draft' }, rawTicket: { response: 'text' },
      },
      ...raw,
    }), { log: silentLogger, secrets: testSecrets(), retryBaseMs: 1, ...deps });
    open.push(c);
    return c;
  };

  it('offers the allow-listed operations with their powers, filtered to the connector powers', () => {
    const c = connector({ powers: ['read', 'search', 'draft'] });
    assert.deepEqual(c.operations().map((o) => [o.name, o.power]), [['getTicket', 'read'], ['listTickets', 'search'], ['draftReply', 'draft'], ['rawTicket', 'read']]);
    assert.equal(c.operations()[0]?.summary, 'Fetch one ticket.');
    assert.deepEqual(c.operations()[0]?.inputSchema, {
      type: 'object', properties: { id: { type: 'integer', description: '(path parameter)' } }, required: ['id'], additionalProperties: false,
    });
  });

  it('calls the operation and passes only the allowed response fields', async () => {
    const c = connector();
    assert.deepEqual(await c.target('getTicket', { id: 7 }), { type: 'Connector', id: 'helpdesk', attributes: {}, parents: [] });
    const result = await c.execute('getTicket', { id: 7 }, ctx());
    assert.equal(server.requests[0]?.method, 'GET');
    assert.equal(server.requests[0]?.url, '/api/v2/tickets/7');
    assert.equal(server.requests[0]?.headers.accept, 'application/json');
    assert.deepEqual(result.structured, { status: 200, data: { id: 7, subject: 'Printer on fire', status: 'open', requester: { name: 'Ada' } } });
    assert.ok(!result.text.includes('vip') && !result.text.includes('ada@example.com'));
    assert.match(result.summary, /^GET 200, \d+ B$/);
    assert.equal(result.provenance[0]?.source, 'helpdesk:getTicket');
    assert.match(result.provenance[0]?.version ?? '', /^sha256:[0-9a-f]{32}$/);
    assert.equal(c.health().status, 'ok');
    assert.ok(c.health().lastSuccessAt);
  });

  it('filters through arrays, sends query parameters and JSON bodies', async () => {
    server.handler = (_req, res) => json(res, 200, { items: [{ id: 1, subject: 'a', secret: 's' }, { id: 2, subject: 'b' }], total: 2 }, { etag: '"v42"' });
    const c = connector();
    const list = await c.execute('listTickets', { status: 'open' }, ctx());
    assert.deepEqual(list.structured, { status: 200, data: { items: [{ id: 1, subject: 'a' }, { id: 2, subject: 'b' }] } });
    assert.equal(list.provenance[0]?.version, '"v42"');
    assert.equal(server.requests[0]?.url, '/api/v2/tickets?status=open');
    server.handler = (_req, res) => json(res, 201, { id: 9, secret: 'x' });
    const created = await c.execute('createTicket', { body: { subject: 'New' } }, ctx());
    assert.equal(server.requests[1]?.method, 'POST');
    assert.equal(server.requests[1]?.headers['content-type'], 'application/json');
    assert.equal(server.requests[1]?.body, '{"subject":"New"}');
    assert.deepEqual(created.structured, { status: 201, data: { id: 9, secret: 'x' } });
  });

  it('handles empty and text responses', async () => {
    server.handler = (_req, res) => res.writeHead(204).end();
    const c = connector();
    const none = await c.execute('draftReply', { id: 7, body: { text: 'hi' } }, ctx());
    assert.deepEqual(none.structured, { status: 204, data: null });
    server.handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
    const text = await c.execute('rawTicket', { id: 7 }, ctx());
    assert.equal(text.text, 'plain words');
  });

  it('refuses arguments that do not match the schema before any request', async () => {
    const c = connector();
    await rejectsWith(c.target('getTicket', { id: 'seven' }), 'ARGUMENTS_INVALID');
    await rejectsWith(c.execute('getTicket', { id: 7, url: 'http://evil.example' }, ctx()), 'ARGUMENTS_INVALID');
    await rejectsWith(c.execute('updateTicket', { id: 7, body: { status: 'x', admin: true } }, ctx()), 'ARGUMENTS_INVALID');
    await rejectsWith(c.execute('nope', {}, ctx()), 'TOOL_UNKNOWN');
    await rejectsWith(connector({ powers: ['read'] }).execute('createTicket', { body: {} }, ctx()), 'TOOL_UNKNOWN');
    assert.equal(server.requests.length, 0);
  });

  it('maps each failure to its error state without passing the upstream body on', async () => {
    const c = connector({ retries: 0 });
    server.handler = (_req, res) => json(res, 404, { error: 'no ticket 7 for ada@example.com' });
    const notFound = await rejectsWith(c.execute('getTicket', { id: 7 }, ctx()), 'UPSTREAM_REJECTED', '404');
    assert.equal(notFound.details.status, 404);
    assert.ok(!notFound.message.includes('ada@example.com'));
    assert.equal(c.health().status, 'ok', 'a 4xx says nothing about availability');
    server.handler = (_req, res) => json(res, 500, { error: 'boom' });
    await rejectsWith(c.execute('getTicket', { id: 7 }, ctx()), 'UPSTREAM_ERROR', '500');
    assert.equal(c.health().status, 'unavailable');
    assert.equal(c.health().lastErrorCode, 'UPSTREAM_ERROR');
    server.handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": 7,');
    await rejectsWith(c.execute('getTicket', { id: 7 }, ctx()), 'UPSTREAM_ERROR', 'invalid JSON');
    server.handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    await rejectsWith(c.execute('getTicket', { id: 7 }, ctx()), 'UPSTREAM_ERROR', 'HTML where JSON is expected');
    server.handler = (_req, res) => json(res, 200, TICKET);
    await c.execute('getTicket', { id: 7 }, ctx());
    assert.equal(c.health().status, 'ok');
  });

  it('caps response size while streaming, with or without a content-length', async () => {
    const c = connector({ max_response_bytes: 1024, retries: 0 });
    const big = JSON.stringify({ id: 1, subject: 'x'.repeat(5000) });
    server.handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) }).end(big);
    await rejectsWith(c.execute('getTicket', { id: 1 }, ctx()), 'UPSTREAM_ERROR', 'declared too large');
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 50; i += 1) res.write(`${'x'.repeat(100)}`);
      res.end();
    };
    await rejectsWith(c.execute('getTicket', { id: 1 }, ctx()), 'UPSTREAM_ERROR', 'chunked too large');
  });

  it('retries idempotent calls with backoff, never other writes', async () => {
    let failures = 2;
    server.handler = (_req, res) => (failures-- > 0 ? json(res, 503, {}) : json(res, 200, TICKET));
    const c = connector({ retries: 2 });
    await c.execute('getTicket', { id: 7 }, ctx());
    assert.equal(server.requests.length, 3, 'GET retried twice');

    server.requests.length = 0;
    server.handler = (_req, res) => json(res, 503, {});
    await rejectsWith(c.execute('getTicket', { id: 7 }, ctx()), 'UPSTREAM_ERROR');
    assert.equal(server.requests.length, 3, 'retries are bounded');

    for (const [op, args] of [['createTicket', { body: {} }], ['draftReply', { id: 1 }], ['updateTicket', { id: 1, body: {} }]] as const) {
      server.requests.length = 0;
      await rejectsWith(c.execute(op, args, ctx()), 'UPSTREAM_ERROR', op);
      assert.equal(server.requests.length, 1, `${op} is not retried`);
    }

    server.requests.length = 0;
    const declared = connector({ retries: 1, operations: { updateTicket: { idempotent: true } } });
    await rejectsWith(declared.execute('updateTicket', { id: 1, body: {} }, ctx()), 'UPSTREAM_ERROR');
    assert.equal(server.requests.length, 2, 'a PUT declared idempotent is retried');

    server.requests.length = 0;
    server.handler = (_req, res) => json(res, 400, {});
    await rejectsWith(c.execute('getTicket', { id: 7 }, ctx()), 'UPSTREAM_REJECTED');
    assert.equal(server.requests.length, 1, '4xx other than 408/429 is not retried');
  });

  it('times out on a hanging upstream, retrying only idempotent calls', async () => {
    server.handler = () => { /* never answers */ };
    const c = connector({ timeout: '300ms', retries: 1 });
    await rejectsWith(c.execute('getTicket', { id: 7 }, ctx()), 'UPSTREAM_TIMEOUT');
    assert.equal(server.requests.length, 2);
    server.requests.length = 0;
    await rejectsWith(c.execute('createTicket', { body: {} }, ctx()), 'UPSTREAM_TIMEOUT');
    assert.equal(server.requests.length, 1);
    assert.equal(c.health().lastErrorCode, 'UPSTREAM_TIMEOUT');
  });

  it('stops when the caller cancels, without marking the upstream unavailable', async () => {
    server.handler = () => { /* never answers */ };
    const c = connector({ timeout: '30s', retries: 2 });
    const controller = new AbortController();
    const call = c.execute('getTicket', { id: 7 }, ctx(controller.signal));
    while (server.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const err = await rejectsWith(call, 'UPSTREAM_TIMEOUT');
    assert.equal(err.details.cancelled, true);
    assert.equal(server.requests.length, 1);
    assert.equal(c.health().status, 'ok');
  });

  it('treats absurdly nested JSON as an invalid answer', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    server.handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(deep);
    const c = connector({ max_response_bytes: 1024 * 1024, retries: 0, operations: { getTicket: {} } });
    await rejectsWith(c.execute('getTicket', { id: 7 }, ctx()), 'UPSTREAM_ERROR');
  });

  it('reports an unreachable upstream as CONNECTOR_UNAVAILABLE', async () => {
    const gone = await startServer();
    const origin = gone.origin;
    await gone.close();
    const c = connector({ base_url: `${origin}/api/v2`, retries: 0 });
    await rejectsWith(c.execute('getTicket', { id: 7 }, ctx()), 'CONNECTOR_UNAVAILABLE');
    assert.equal(c.health().status, 'unavailable');
  });

  it('checks its options at construction', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err instanceof GatehouseError ? err.code : String(err);
      }
      return 'no error';
    };
    assert.equal(code(() => connector({ openapi: 'relative.yaml' })), 'CONFIG_INVALID');
    assert.equal(code(() => connector({ openapi: join(dir, 'missing.yaml') })), 'CONFIG_INVALID');
    assert.equal(code(() => connector({ operations: { notInTheDocument: {} } })), 'CONFIG_INVALID');
    assert.equal(code(() => connector({ allow_private_network: false })), 'CONFIG_INVALID', 'a loopback literal base_url needs the opt-in');
    assert.equal(code(() => connector({ base_url: 'http://169.254.169.254/latest' })), 'CONFIG_INVALID', 'metadata is never allowed');
  });
});
