import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { GENESIS_HASH } from '../store/store.js';
import {
  AuditBodyError, chainHash, isAuditRecordId, newAuditRecordId, parseAuditBody, serializeAuditBody, type AuditRecordBody,
} from './audit-record.js';

const body: AuditRecordBody = {
  v: 1, id: newAuditRecordId(new Date('2026-01-01T00:00:00Z')), time: '2026-01-01T00:00:00.000Z', content: 'hashed',
  kind: 'tool_call', requestId: 'r1', actor: { agent: 'bot' }, decision: 'deny', policyIds: ['p2', 'p1'],
  status: 'denied', errorCode: 'POLICY_DENIED', durationMs: 4, tool: undefined,
};

describe('audit record', () => {
  it('makes time-sortable, well-formed ids', () => {
    const early = newAuditRecordId(new Date('2026-01-01T00:00:00Z'));
    const late = newAuditRecordId(new Date('2026-01-01T00:00:00.001Z'));
    assert.ok(isAuditRecordId(early));
    assert.ok(early < late);
    assert.notEqual(newAuditRecordId(), newAuditRecordId());
  });

  it('serializes canonically: sorted keys, absent fields omitted', () => {
    const text = serializeAuditBody(body);
    assert.equal(text.includes('"tool"'), false);
    assert.ok(text.startsWith('{"actor":{"agent":"bot"},"content":"hashed","decision":"deny"'));
    assert.equal(serializeAuditBody({ ...body }), text);
    assert.deepEqual(parseAuditBody(text).policyIds, ['p2', 'p1']);
  });

  it('hashes the documented preimage', () => {
    const text = serializeAuditBody(body);
    const expected = createHash('sha256').update(`gatehouse-audit-record:v1\n${GENESIS_HASH}\n1\n${text}`).digest('hex');
    assert.equal(chainHash(GENESIS_HASH, 1, text), expected);
    assert.notEqual(chainHash(GENESIS_HASH, 2, text), expected);
    assert.throws(() => chainHash('xyz', 1, text));
    assert.throws(() => chainHash(GENESIS_HASH, 0, text));
  });

  it('rejects bodies that are not records, naming the field only', () => {
    assert.throws(() => parseAuditBody('nope'), AuditBodyError);
    assert.throws(() => parseAuditBody(serializeAuditBody({ ...body, status: 'weird' as 'ok' })), /"status"/);
    assert.throws(() => parseAuditBody(serializeAuditBody({ ...body, args: { secret: 'S3CRET' } })), (err: Error) => !err.message.includes('S3CRET'));
  });
});
