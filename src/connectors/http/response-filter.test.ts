import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, compileFields, filterFields, redactSecrets, redactText } from './response-filter.js';

describe('filterFields', () => {
  const ticket = {
    id: 7, subject: 'Printer', status: 'open', secret_note: 'internal',
    requester: { name: 'Ada', email: 'ada@example.com' },
    comments: [{ author: { name: 'Bo', id: 1 }, body: 'x' }, { author: { name: 'Cy', id: 2 }, body: 'y' }, 'stray'],
    tags: ['a', 'b'],
  };

  it('keeps allow-listed fields, nested and through arrays', () => {
    const tree = compileFields(['id', 'subject', 'requester.name', 'comments[].author.name', 'tags', 'missing.field']);
    assert.deepEqual(filterFields(ticket, tree), {
      id: 7, subject: 'Printer', requester: { name: 'Ada' }, comments: [{ author: { name: 'Bo' } }, { author: { name: 'Cy' } }], tags: ['a', 'b'],
    });
  });

  it('applies to each element of a top-level array and lets a whole field win over its sub-fields', () => {
    const tree = compileFields(['requester.name', 'requester', 'id']);
    assert.deepEqual(filterFields([ticket, { id: 8 }], tree), [{ id: 7, requester: ticket.requester }, { id: 8 }]);
  });

  it('passes nothing for an empty allow-list and keeps "__proto__" keys as data', () => {
    assert.deepEqual(filterFields(ticket, compileFields([])), {});
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "id": 1}') as unknown;
    const out = filterFields(parsed, compileFields(['__proto__', 'id'])) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ['__proto__', 'id']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('redaction', () => {
  it('replaces every occurrence of a secret in values, keys and numbers', () => {
    const secrets = ['tok-123456', '98765432'];
    const echoed = { auth: 'Bearer tok-123456', nested: [{ 'tok-123456': 'x' }, 98765432, 'ok'], count: 3 };
    const out = redactSecrets(echoed, secrets);
    assert.deepEqual(out, { auth: `Bearer ${REDACTED}`, nested: [{ [REDACTED]: 'x' }, REDACTED, 'ok'], count: 3 });
    assert.ok(!JSON.stringify(out).includes('tok-123456'));
  });

  it('redacts the longer secret first', () => {
    assert.equal(redactText('abcdefgh abcd', ['abcd', 'abcdefgh']), `${REDACTED} ${REDACTED}`);
  });
});
