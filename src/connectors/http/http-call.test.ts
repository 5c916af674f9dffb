import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../errors/catalog.js';
import { MAX_BACKOFF_MS, backoffMs, interpretResponse, retryAfterMs } from './http-call.js';
import type { HttpOperation } from './http-operations.js';

const op = { method: 'GET', responseKind: 'json' } as HttpOperation;
const answer = (status: number, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  ({ status, headers, body: Buffer.from(body) });
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof GatehouseError ? `${err.code}:${String(err.details.status)}` : String(err);
  }
  return 'ok';
};

describe('backoff', () => {
  it('grows exponentially with full jitter and stays bounded', () => {
    assert.equal(backoffMs(1, 200, undefined, () => 1), 200);
    assert.equal(backoffMs(3, 200, undefined, () => 1), 800);
    assert.equal(backoffMs(3, 200, undefined, () => 0), 0);
    assert.equal(backoffMs(20, 200, undefined, () => 1), MAX_BACKOFF_MS);
    assert.equal(backoffMs(1, 200, 60_000, () => 1), MAX_BACKOFF_MS);
    assert.equal(backoffMs(1, 200, 1_000, () => 1), 1_000);
  });

  it('reads Retry-After as seconds or a date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });
});

describe('interpretResponse', () => {
  it('maps statuses to error states', () => {
    assert.equal(code(() => interpretResponse(op, answer(200, '{"a":1}'))), 'ok');
    assert.equal(code(() => interpretResponse(op, answer(401, '{}'))), 'CONNECTOR_UNAVAILABLE:401');
    assert.equal(code(() => interpretResponse(op, answer(403, '{}'))), 'UPSTREAM_REJECTED:403');
    assert.equal(code(() => interpretResponse(op, answer(409, '{}'))), 'UPSTREAM_REJECTED:409');
    assert.equal(code(() => interpretResponse(op, answer(304, ''))), 'UPSTREAM_REJECTED:304');
    assert.equal(code(() => interpretResponse(op, answer(502, '{}'))), 'UPSTREAM_ERROR:502');
    assert.equal(code(() => interpretResponse(op, answer(200, 'not json'))), 'UPSTREAM_ERROR:200');
    assert.equal(code(() => interpretResponse(op, answer(200, '{}', { 'content-type': 'text/html' }))), 'UPSTREAM_ERROR:200');
  });

  it('accepts JSON media types with parameters and suffixes, and empty answers', () => {
    assert.deepEqual(interpretResponse(op, answer(200, '[1]', { 'content-type': 'application/problem+json; charset=utf-8' })), { kind: 'json', value: [1] });
    assert.deepEqual(interpretResponse(op, answer(200, '')), { kind: 'json', value: null });
    assert.deepEqual(interpretResponse(op, answer(200, '{"a":1}', {})), { kind: 'json', value: { a: 1 } });
  });
});
