import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Caller } from '../../domain/types.js';
import { silentLogger } from '../../ops/logger.js';
import type { Connector, ConnectorContext } from '../connector.js';
import type { HostLookup } from './egress.js';
import { createHttpConnector } from './http-connector.js';
import { fixedLookup, httpConfig, json, rejectsWith, startServer, testSecrets, type TestServer } from './http-test-server.js';

const CALLER: Caller = {
  agent: { name: 'helper', owner: 'ops', description: undefined, groups: [], attributes: {}, actForUsers: false },
  keyId: 'k1', user: undefined,
};
const ctx = (): ConnectorContext => ({ caller: CALLER, mayAccess: () => true, signal: new AbortController().signal });


/** Names the tests resolve: the API (and a second host) on the test server, and names pointing at forbidden places. */
const NAMES: Record<string, string[]> = {
  'api.example.test': ['127.0.0.1'],
  'other.example.test': ['127.0.0.1'],
  'metadata.example.test': ['169.254.169.254'],
  'ten.example.test': ['10.1.2.3'],
  'loop6.example.test': ['::1'],
  'mapped.example.test': ['::ffff:127.0.0.1'],
  'mixed.example.test': ['93.184.216.34', '127.0.0.1'],
};

const OPERATIONS = {
  getTicket: { method: 'GET', path: '/tickets/{id}', params: { id: { type: 'string' }, q: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } },
  traced: { method: 'GET', path: '/traced', params: {} },
};

describe('http connector egress', () => {
  let server: TestServer;
  let lookup: HostLookup & { asked: string[] };
  const open: Connector[] = [];

  before(async () => {
    server = await startServer((_req, res) => json(res, 200, { ok: true }));
  });
  after(() => server.close());
  afterEach(async () => {
    server.requests.length = 0;
    server.handler = (_req, res) => json(res, 200, { ok: true });
    for (const c of open.splice(0)) await c.close();
  });

  const connector = (raw: Record<string, unknown> = {}) => {
    lookup = fixedLookup(NAMES);
    const c = createHttpConnector(httpConfig({
      base_url: `http://api.example.test:${server.port}/api`, allow_private_network: true, retries: 0, timeout: '2s', operations: OPERATIONS, ...raw,
    }), { log: silentLogger, secrets: testSecrets(), lookup, retryBaseMs: 1 });
    open.push(c);
    return c;
  };

  it('connects to a name through the injected lookup when private targets are allowed', async () => {
    const result = await connector().execute('getTicket', { id: '1' }, ctx());
    assert.deepEqual(result.structured, { status: 200, data: { ok: true } });
    assert.deepEqual(lookup.asked, ['api.example.test']);
    assert.equal(server.requests[0]?.headers.host, `api.example.test:${server.port}`);
  });

  it('refuses the same call without the opt-in, before anything is sent', async () => {
    const c = connector({ allow_private_network: false });
    const err = await rejectsWith(c.execute('getTicket', { id: '1' }, ctx()), 'EGRESS_DENIED');
    assert.equal(err.details.range, 'loopback');
    assert.equal(server.requests.length, 0);
    const narrow = connector({ allow_private_network: ['10.0.0.0/8'] });
    await rejectsWith(narrow.execute('getTicket', { id: '1' }, ctx()), 'EGRESS_DENIED');
    const exact = connector({ allow_private_network: ['127.0.0.1/32'] });
    await exact.execute('getTicket', { id: '1' }, ctx());
    assert.equal(server.requests.length, 1);
  });

  it('refuses names resolving to metadata, 10.x, ::1, mapped loopback or a mix', async () => {
    for (const [host, allowPrivate] of [
      ['metadata.example.test', true], ['ten.example.test', false], ['loop6.example.test', false], ['mapped.example.test', false], ['mixed.example.test', false],
    ] as const) {
      const c = connector({ base_url: `http://${host}:${server.port}/api`, allow_private_network: allowPrivate });
      await rejectsWith(c.execute('getTicket', { id: '1' }, ctx()), 'EGRESS_DENIED', host);
    }
    assert.equal(server.requests.length, 0);
  });

  describe('redirects', () => {
    const redirectTo = (location: string, status = 302) => {
      server.handler = (req, res) => {
        if (req.url.startsWith('/api/tickets/')) res.writeHead(status, { location: location.replace('PORT', String(server.port)) }).end();
        else json(res, 200, { landed: req.url });
      };
    };

    it('follows redirects within the base URL', async () => {
      redirectTo('/api/elsewhere/1', 301);
      const result = await connector().execute('getTicket', { id: '1' }, ctx());
      assert.deepEqual(result.structured, { status: 200, data: { landed: '/api/elsewhere/1' } });
      assert.equal(server.requests.length, 2);
    });

    it('refuses redirects to another host, another port, a private address, metadata, or out of the base path', async () => {
      for (const location of [
        'http://other.example.test:PORT/api/x', 'http://127.0.0.1:PORT/api/x', 'http://api.example.test:1/api/x',
        'http://169.254.169.254/latest/meta-data/', 'http://[::1]:PORT/api/x', 'https://api.example.test:PORT/api/x',
        '/admin', '/api/../admin', '//other.example.test:PORT/api/x', 'http://user:pw@api.example.test:PORT/api/x',
      ]) {
        server.requests.length = 0;
        redirectTo(location, 307);
        await rejectsWith(connector().execute('getTicket', { id: '1' }, ctx()), 'EGRESS_DENIED', location);
        assert.equal(server.requests.length, 1, `${location}: nothing followed`);
      }
      assert.deepEqual(lookup.asked, ['api.example.test'], 'the other host was never even resolved');
    });

    it('stops redirect loops', async () => {
      server.handler = (_req, res) => res.writeHead(302, { location: '/api/tickets/again' }).end();
      await rejectsWith(connector().execute('getTicket', { id: '1' }, ctx()), 'UPSTREAM_ERROR');
      assert.equal(server.requests.length, 4);
    });
  });

  describe('path, host and header tricks', () => {
    it('encodes @, #, ?, %2F and scheme-like values inside the path segment, on the wire', async () => {
      const c = connector();
      const cases: [string, string][] = [
        ['%2F..%2Fadmin', '/api/tickets/%252F..%252Fadmin'],
        ['a@other.example.test', '/api/tickets/a%40other.example.test'],
        ['x#frag', '/api/tickets/x%23frag'],
        ['x?admin=1', '/api/tickets/x%3Fadmin%3D1'],
        ['http:other.example.test', '/api/tickets/http%3Aother.example.test'],
      ];
      for (const [id] of cases) await c.execute('getTicket', { id }, ctx());
      assert.deepEqual(server.requests.map((r) => r.url), cases.map(([, wire]) => wire));
      assert.ok(server.requests.every((r) => r.headers.host === `api.example.test:${server.port}`));
      assert.ok(lookup.asked.every((name) => name === 'api.example.test'));
    });

    it('refuses traversal, absolute URLs and CRLF in path arguments', async () => {
      const c = connector();
      for (const id of ['../admin', '..', '.', 'http://other.example.test/x', '//other.example.test', 'a\\..\\admin', 'x\r\nHost: other.example.test', 'x\r\n\r\nGET /admin HTTP/1.1']) {
        await rejectsWith(c.target('getTicket', { id }), 'ARGUMENTS_INVALID', JSON.stringify(id));
        await rejectsWith(c.execute('getTicket', { id }, ctx()), 'ARGUMENTS_INVALID', JSON.stringify(id));
      }
      assert.equal(server.requests.length, 0);
    });

    it('form-encodes CRLF and separators in query arguments: one parameter, no extra header', async () => {
      await connector().execute('getTicket', { id: '1', q: 'a\r\nX-Injected: 1&admin=true', tags: ['x', 'y&z=1'] }, ctx());
      const req = server.requests[0];
      assert.ok(req);
      const url = new URL(req.url, 'http://x');
      assert.deepEqual([...url.searchParams.entries()], [['q', 'a\r\nX-Injected: 1&admin=true'], ['tags', 'x'], ['tags', 'y&z=1']]);
      assert.equal(req.headers['x-injected'], undefined);
    });

    it('sends checked header arguments and refuses CRLF in them', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gatehouse-http-egress-'));
      try {
        writeFileSync(join(dir, 'api.yaml'), [
          'openapi: 3.0.3', 'info: { title: t, version: "1" }', 'paths:', '  /traced:', '    get:', '      operationId: traced',
          '      parameters:', '        - { name: X-Trace, in: header, schema: { type: string } }', '      responses: { "200": { description: ok } }',
        ].join('\n'));
        const c = connector({ openapi: join(dir, 'api.yaml'), operations: { traced: {} } });
        await c.execute('traced', { 'X-Trace': 'abc-123' }, ctx());
        assert.equal(server.requests[0]?.headers['x-trace'], 'abc-123');
        for (const value of ['a\r\nX-Injected: 1', 'a\nHost: other.example.test', 'a\r\n\r\nGET /admin HTTP/1.1', 'nul\u0000']) {
          await rejectsWith(c.execute('traced', { 'X-Trace': value }, ctx()), 'ARGUMENTS_INVALID', JSON.stringify(value));
        }
        assert.equal(server.requests.length, 1);
        assert.ok(server.requests.every((r) => r.headers['x-injected'] === undefined));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
