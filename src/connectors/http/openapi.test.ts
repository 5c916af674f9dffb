import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { GatehouseError } from '../../errors/catalog.js';
import { buildOperations } from './http-operations.js';
import { httpConfig } from './http-test-server.js';
import { findOperation, listOperationIds, parseOpenApi } from './openapi.js';

const HELPDESK_OPENAPI = `
openapi: 3.0.3
info: { title: Helpdesk, version: "2" }
paths:
  /tickets/{id}:
    parameters:
      - $ref: '#/components/parameters/TicketId'
    get:
      operationId: getTicket
      summary: Fetch one ticket.
      parameters:
        - { name: expand, in: query, schema: { type: string, enum: [comments, requester] } }
        - { name: X-Trace, in: header, schema: { type: string } }
        - { name: session, in: cookie, schema: { type: string } }
      responses: { '200': { description: ok } }
    put:
      operationId: updateTicket
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/TicketUpdate' }
      responses: { '200': { description: ok } }
  /tickets/{id}/replies:
    post:
      operationId: draftReply
      description: Draft a reply for a human to send.
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      requestBody:
        content:
          application/json:
            schema: { type: object, properties: { text: { type: string } }, required: [text] }
      responses: { '201': { description: created } }
  /tickets:
    get:
      operationId: listTickets
      parameters:
        - { name: status, in: query, schema: { type: string, nullable: true } }
      responses: { '200': { description: ok } }
  /upload:
    post:
      operationId: upload
      requestBody:
        required: true
        content: { multipart/form-data: { schema: { type: object } } }
      responses: { '200': { description: ok } }
  /tree:
    get:
      operationId: recursive
      parameters:
        - { name: n, in: query, schema: { $ref: '#/components/schemas/Node' } }
      responses: { '200': { description: ok } }
  /ext:
    get:
      operationId: external
      parameters:
        - { name: n, in: query, schema: { $ref: 'other.yaml#/Thing' } }
      responses: { '200': { description: ok } }
  /auth:
    get:
      operationId: setsAuthorization
      parameters:
        - { name: Authorization, in: header, schema: { type: string } }
      responses: { '200': { description: ok } }
  /host:
    get:
      operationId: setsHost
      parameters:
        - { name: Host, in: header, schema: { type: string } }
      responses: { '200': { description: ok } }
components:
  parameters:
    TicketId: { name: id, in: path, required: true, description: Ticket number, schema: { type: integer, minimum: 1 } }
  schemas:
    Status: { type: string, enum: [open, pending, closed], nullable: true, example: open }
    TicketUpdate:
      $id: https://example.com/ticket-update
      type: object
      additionalProperties: false
      properties:
        status: { $ref: '#/components/schemas/Status' }
        subject: { type: string, maxLength: 200 }
        example: { type: string }
    Node:
      type: object
      properties: { child: { $ref: '#/components/schemas/Node' } }
`;

const doc = parseOpenApi(HELPDESK_OPENAPI, 'connectors.helpdesk.openapi');

function configCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof GatehouseError ? err.code : 'not a GatehouseError';
  }
  return 'no error';
}

describe('OpenAPI documents', () => {
  it('lists operation ids and refuses documents that are not OpenAPI 3', () => {
    assert.deepEqual(listOperationIds(doc).sort(), ['draftReply', 'external', 'getTicket', 'listTickets', 'recursive', 'setsAuthorization', 'setsHost', 'updateTicket', 'upload']);
    assert.equal(configCode(() => parseOpenApi('swagger: "2.0"\npaths: {}', 'x')), 'CONFIG_INVALID');
    assert.equal(configCode(() => parseOpenApi('{ not yaml', 'x')), 'CONFIG_INVALID');
  });

  it('merges path-level parameters, resolves $refs, skips optional cookies', () => {
    const op = findOperation(doc, 'getTicket', 'ops');
    assert.equal(op.method, 'GET');
    assert.equal(op.path, '/tickets/{id}');
    assert.equal(op.summary, 'Fetch one ticket.');
    assert.deepEqual(op.parameters.map((p) => `${p.in}:${p.name}:${p.required}`), ['path:id:true', 'query:expand:false', 'header:X-Trace:false']);
    assert.deepEqual(op.parameters[0]?.schema, { type: 'integer', minimum: 1 });
  });

  it('inlines request body schemas, turns nullable into a null type and drops OpenAPI-only keywords', () => {
    const op = findOperation(doc, 'updateTicket', 'ops');
    assert.deepEqual(op.body, {
      required: true, description: undefined,
      schema: {
        type: 'object', additionalProperties: false,
        properties: {
          status: { type: ['string', 'null'], enum: ['open', 'pending', 'closed', null] },
          subject: { type: 'string', maxLength: 200 },
          example: { type: 'string' },
        },
      },
    });
  });

  it('refuses what it cannot call safely', () => {
    for (const id of ['upload', 'recursive', 'external', 'nope']) {
      assert.equal(configCode(() => findOperation(doc, id, 'ops')), 'CONFIG_INVALID', id);
    }
  });
});

describe('allow-listed operations', () => {
  const build = (operations: Record<string, unknown>) => buildOperations(httpConfig({ base_url: 'https://h.example.com', openapi: '/x.yaml', operations }), doc);

  it('takes powers from the method unless declared, and builds input schemas Ajv compiles', () => {
    const ops = build({ getTicket: {}, updateTicket: { idempotent: true }, draftReply: { power: 'draft' } });
    assert.deepEqual(ops.map((o) => [o.id, o.power, o.idempotent]), [['getTicket', 'read', true], ['updateTicket', 'write', true], ['draftReply', 'draft', false]]);
    const ajv = new Ajv({ strict: false, logger: false });
    for (const op of ops) ajv.compile(op.inputSchema);
    const get = ops[0]!;
    assert.deepEqual(get.inputSchema.required, ['id']);
    assert.equal(get.inputSchema.additionalProperties, false);
    const update = ajv.compile(ops[1]!.inputSchema);
    assert.ok(update({ id: 3, body: { status: null } }));
    assert.ok(!update({ id: 3, body: { status: 'gone' } }));
    assert.ok(!update({ id: 3 }));
    assert.ok(!update({ id: 3, body: {}, url: 'http://evil' }));
  });

  it('refuses read powers on state-changing methods, idempotent POSTs and agent-set credential headers', () => {
    assert.equal(configCode(() => build({ draftReply: { power: 'read' } })), 'CONFIG_INVALID');
    assert.equal(configCode(() => build({ draftReply: { idempotent: true } })), 'CONFIG_INVALID');
    assert.equal(configCode(() => build({ setsAuthorization: {} })), 'CONFIG_INVALID');
    assert.equal(configCode(() => build({ setsHost: {} })), 'CONFIG_INVALID');
    assert.equal(configCode(() => buildOperations(httpConfig({ base_url: 'https://h.example.com', openapi: '/x.yaml', operations: { getTicket: {} } }), doc, ['x-trace'])), 'CONFIG_INVALID');
  });

  it('builds inline operations: placeholders are path parameters, the rest query parameters', () => {
    const [op] = buildOperations(httpConfig({
      base_url: 'https://h.example.com',
      operations: { search: { method: 'GET', path: '/tickets/{id}/search', power: 'search', params: { id: { type: 'integer' }, q: { type: 'string' } }, required: ['q'] } },
    }), undefined);
    assert.ok(op);
    assert.deepEqual(op.parameters.map((p) => `${p.in}:${p.name}:${p.required}`), ['path:id:true', 'query:q:true']);
    assert.equal(op.power, 'search');
    assert.equal(configCode(() => buildOperations(httpConfig({
      base_url: 'https://h.example.com', operations: { bad: { method: 'GET', path: '/a/../b' } },
    }), undefined)), 'CONFIG_INVALID');
  });
});

describe('http connector config', () => {
  it('rejects unknown keys, literal secrets, URL credentials, and inline definitions beside openapi', () => {
    const bad = [
      { base_url: 'https://h.example.com', operations: { a: { method: 'GET', path: '/a' } }, surprise: 1 },
      { base_url: 'https://h.example.com', operations: { a: { method: 'GET', path: '/a' } }, auth: { type: 'bearer', token: 'literal-token' } },
      { base_url: 'https://user:pw@h.example.com', operations: { a: { method: 'GET', path: '/a' } } },
      { base_url: 'https://h.example.com?x=1', operations: { a: { method: 'GET', path: '/a' } } },
      { base_url: 'ftp://h.example.com', operations: { a: { method: 'GET', path: '/a' } } },
      { base_url: 'https://h.example.com', openapi: '/x.yaml', operations: { a: { method: 'GET', path: '/a' } } },
      { base_url: 'https://h.example.com', operations: { a: { power: 'read' } } },
      { base_url: 'https://h.example.com', operations: {} },
      { base_url: 'https://h.example.com', operations: { 'a.b': { method: 'GET', path: '/a' } } },
      { base_url: 'https://h.example.com', operations: { a: { method: 'GET', path: '/a', response_fields: ['a..b'] } } },
    ];
    for (const raw of bad) assert.throws(() => httpConfig(raw), JSON.stringify(raw));
  });

  it('fills defaults', () => {
    const c = httpConfig({ base_url: 'https://h.example.com', operations: { a: { method: 'GET', path: '/a' } } });
    assert.equal(c.timeout, '10s');
    assert.equal(c.retries, 2);
    assert.equal(c.allow_private_network, false);
    assert.equal(c.max_response_bytes, 1024 * 1024);
    assert.deepEqual(c.auth, { type: 'none' });
  });
});
