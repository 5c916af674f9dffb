import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyAssignments } from './argument-assignments.js';

describe('--set path=value', () => {
  it('sets nested values on a copy, reading JSON where it parses and text otherwise', () => {
    const base = { table: 'tickets', key: 10, values: { category: 'billing' }, items: [{ qty: 1 }] };
    const out = applyAssignments(base, ['values.category=refund', 'key=11', 'values.urgent=true', 'items.0.qty=3', 'note="5"', 'tags=["a"]']);
    assert.deepEqual(out, { table: 'tickets', key: 11, values: { category: 'refund', urgent: true }, items: [{ qty: 3 }], note: '5', tags: ['a'] });
    assert.deepEqual(base.values, { category: 'billing' }, 'the request is untouched');
  });

  it('creates missing objects and refuses unusable paths', () => {
    assert.deepEqual(applyAssignments({}, ['a.b=1']), { a: { b: 1 } });
    for (const bad of ['novalue', '=x', 'a..b=1', '__proto__.polluted=1', 'constructor.prototype.x=1', 'table.x=1', 'items.x=1']) {
      assert.throws(() => applyAssignments({ table: 'tickets', items: [] }, [bad]), { code: 'USAGE' }, bad);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
