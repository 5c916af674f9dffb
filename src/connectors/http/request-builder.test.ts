import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../errors/catalog.js';
import type { HttpParameter } from './openapi.js';
import { type RequestShape, buildRequest, encodeSegment, headerValue, isWithinBase, pathVariables } from './request-builder.js';

const base = new URL('https://helpdesk.example.com/api/v2');
const param = (name: string, where: HttpParameter['in'], required = where === 'path'): HttpParameter =>
  ({ name, in: where, required, schema: { type: 'string' }, description: undefined });
const shape: RequestShape = {
  method: 'GET', path: '/tickets/{id}/notes',
  parameters: [param('id', 'path'), param('q', 'query'), param('tags', 'query'), param('X-Trace', 'header')],
  body: undefined,
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof GatehouseError ? err.code : 'not a GatehouseError';
  }
  return 'no error';
}

describe('buildRequest', () => {
  it('puts path arguments in their segment, query arguments in the query, headers lower-cased', () => {
    const req = buildRequest(base, shape, { id: 42, q: 'open & urgent', tags: ['a', 'b'], 'X-Trace': 'abc-1' });
    assert.equal(req.url.href, 'https://helpdesk.example.com/api/v2/tickets/42/notes?q=open+%26+urgent&tags=a&tags=b');
    assert.deepEqual(req.headers, { 'x-trace': 'abc-1' });
    assert.equal(req.body, undefined);
  });

  it('percent-encodes @, #, ?, %, :, spaces and unicode so they stay inside one segment', () => {
    const cases: [string, string][] = [
      ['a@evil.com', 'a%40evil.com'],
      ['x#frag', 'x%23frag'],
      ['x?admin=1', 'x%3Fadmin%3D1'],
      ['%2F..%2Fadmin', '%252F..%252Fadmin'],
      ['%2e%2e', '%252e%252e'],
      ['http:evil.com', 'http%3Aevil.com'],
      ['a b', 'a%20b'],
      ["it's(*)!", 'it%27s%28%2A%29%21'],
      ['ünï', '%C3%BCn%C3%AF'],
      ['...', '...'],
    ];
    for (const [value, encoded] of cases) {
      const req = buildRequest(base, shape, { id: value });
      assert.equal(req.url.pathname, `/api/v2/tickets/${encoded}/notes`, value);
      assert.equal(req.url.host, 'helpdesk.example.com', value);
      assert.equal(req.url.search, '', value);
      assert.equal(req.url.hash, '', value);
    }
  });

  it('refuses path arguments no encoding keeps in one segment', () => {
    for (const value of ['..', '.', '../admin', 'a/b', '/etc/passwd', 'https://evil.com/x', '//evil.com', 'a\\b', '..\\..', 'a\r\nHost: evil', 'a\u0000b', '']) {
      assert.equal(code(() => buildRequest(base, shape, { id: value })), 'ARGUMENTS_INVALID', JSON.stringify(value));
    }
    assert.equal(code(() => buildRequest(base, shape, { id: { toString: () => 'x' } })), 'ARGUMENTS_INVALID');
    assert.equal(code(() => buildRequest(base, shape, { id: '\ud800' })), 'ARGUMENTS_INVALID');
    assert.equal(code(() => buildRequest(base, shape, {})), 'ARGUMENTS_INVALID');
  });

  it('form-encodes query values, CR/LF included, so they add neither parameters nor headers', () => {
    const req = buildRequest(base, shape, { id: '1', q: 'a\r\nX-Injected: 1&admin=true#x' });
    assert.equal(req.url.search, '?q=a%0D%0AX-Injected%3A+1%26admin%3Dtrue%23x');
    assert.deepEqual([...req.url.searchParams.keys()], ['q']);
  });

  it('refuses header values with line breaks or non-ASCII', () => {
    for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'nul\u0000', 'ünï', 'x'.repeat(9000)]) {
      assert.equal(code(() => buildRequest(base, shape, { id: '1', 'X-Trace': value })), 'ARGUMENTS_INVALID', JSON.stringify(value));
    }
    assert.equal(headerValue('  spaced\tvalue ', 'h'), '  spaced\tvalue ');
  });

  it('sends a JSON body when the operation takes one, and requires it when it must', () => {
    const post: RequestShape = { method: 'POST', path: '/tickets', parameters: [], body: { required: true } };
    const req = buildRequest(base, post, { body: { subject: 'a\r\nb' } });
    assert.equal(req.body, '{"subject":"a\\r\\nb"}');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(code(() => buildRequest(base, post, {})), 'ARGUMENTS_INVALID');
  });

  it('works with a root base URL and a trailing slash', () => {
    const req = buildRequest(new URL('http://api.example.test:8080/'), { method: 'GET', path: '/a/{id}', parameters: [param('id', 'path')], body: undefined }, { id: 'b' });
    assert.equal(req.url.href, 'http://api.example.test:8080/a/b');
  });
});

describe('path templates and scope', () => {
  it('accepts plain templates and names their placeholders', () => {
    assert.deepEqual(pathVariables('/tickets/{id}/comments/{comment_id}', 'x'), ['id', 'comment_id']);
    assert.deepEqual(pathVariables('/files/{name}.json', 'x'), ['name']);
  });

  it('refuses templates with dot segments, queries, fragments or odd characters', () => {
    for (const t of ['tickets', '/a/../b', '/a/./b', '/a/%2e%2e/b', '/a?x=1', '/a#x', '/a b', '/a/{id', '/a/{i}{i}', '/a\\b', '/ä']) {
      assert.equal(code(() => pathVariables(t, 'x')), 'CONFIG_INVALID', t);
    }
  });

  it('isWithinBase needs the same origin and a path at or below the base', () => {
    assert.ok(isWithinBase(new URL('https://helpdesk.example.com/api/v2/x'), base));
    assert.ok(isWithinBase(new URL('https://helpdesk.example.com/api/v2'), base));
    assert.ok(!isWithinBase(new URL('https://helpdesk.example.com/api/v2x'), base));
    assert.ok(!isWithinBase(new URL('https://helpdesk.example.com/api/v2/../admin'), base));
    assert.ok(!isWithinBase(new URL('http://helpdesk.example.com/api/v2/x'), base));
    assert.ok(!isWithinBase(new URL('https://helpdesk.example.com:444/api/v2/x'), base));
    assert.ok(!isWithinBase(new URL('https://evil.com/api/v2/x'), base));
    assert.ok(!isWithinBase(new URL('https://user@helpdesk.example.com/api/v2/x'), base));
  });

  it('encodeSegment leaves only unreserved characters literal', () => {
    const all = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(i + 0x20)).join('');
    assert.match(encodeSegment(all), /^([A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
  });
});
