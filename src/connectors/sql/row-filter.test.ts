import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Caller } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import { RowFilterSyntaxError, bindRowFilter, filterColumns, parseRowFilter } from './row-filter.js';

function caller(user: Record<string, string | number | boolean | readonly string[]> | undefined, agent: Record<string, string> = {}): Caller {
  return {
    agent: { name: 'helper', owner: 'o', description: undefined, groups: [], attributes: agent, actForUsers: true },
    keyId: 'k', user: user === undefined ? undefined : { id: 'u-7', groups: [], attributes: user },
  };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof GatehouseError ? err.code : 'other';
  }
  return 'none';
}

describe('row filters', () => {
  it('parses conditions joined by AND', () => {
    const filter = parseRowFilter("region = {{user.region}} and status <> 'closed' AND level >= 2 AND deleted_at IS NULL AND team IN {{user.teams}} AND kind NOT IN ('a', 'b''c') AND owner = {{user.id}} AND tenant = {{agent.tenant}}");
    assert.deepEqual(filter.clauses, [
      { column: 'region', op: '=', operand: { kind: 'attribute', of: 'user', name: 'region' } },
      { column: 'status', op: '!=', operand: { kind: 'literal', value: 'closed' } },
      { column: 'level', op: '>=', operand: { kind: 'literal', value: 2 } },
      { column: 'deleted_at', op: 'is_null' },
      { column: 'team', op: 'in', operands: { kind: 'attribute', of: 'user', name: 'teams' } },
      { column: 'kind', op: 'not_in', operands: [{ kind: 'literal', value: 'a' }, { kind: 'literal', value: "b'c" }] },
      { column: 'owner', op: '=', operand: { kind: 'attribute', of: 'user', name: 'id' } },
      { column: 'tenant', op: '=', operand: { kind: 'attribute', of: 'agent', name: 'tenant' } },
    ]);
    assert.deepEqual(filterColumns(filter), ['region', 'status', 'level', 'deleted_at', 'team', 'kind', 'owner', 'tenant']);
  });

  it('refuses anything outside the grammar', () => {
    for (const source of [
      '', 'region', 'region =', "region = 'eu' OR 1 = 1", "region = 'eu'; DROP TABLE x", 'region = eu', '1 = 1', 'region = {{user.region}} --',
      "region = 'eu' /* x */", 'lower(region) = {{user.region}}', 'region = {{ user.region', 'region = {{session.id}}', 'region = {{user.Region}}',
      "region IN ('a', {{user.r}})", 'region IN ()', 'region LIKE {{user.r}}', 'and = 1', "t.region = 'eu'", 'region = 99999999999999999999',
      "region = 'unterminated", 'region = "eu"', 'region NOT = 1', 'region IS NOT 1', 'x'.repeat(501),
    ]) {
      assert.throws(() => parseRowFilter(source), RowFilterSyntaxError, source);
    }
  });

  it('binds attributes as values and fails closed when one is missing', () => {
    const filter = parseRowFilter("region = {{user.region}} AND team IN {{user.teams}} AND status != 'x'");
    assert.deepEqual(bindRowFilter(filter, caller({ region: "eu' OR '1'='1", teams: ['a', 'b'] }), 't'), [
      { column: 'region', op: '=', value: "eu' OR '1'='1" },
      { column: 'team', op: 'in', values: ['a', 'b'] },
      { column: 'status', op: '!=', value: 'x' },
    ]);
    assert.deepEqual(bindRowFilter(filter, caller({ region: 'eu', teams: [] }), 't')[1], { column: 'team', op: 'in', values: [] });
    assert.deepEqual(bindRowFilter(filter, caller({ region: 'eu', teams: 'solo' }), 't')[1], { column: 'team', op: 'in', values: ['solo'] });
    assert.equal(code(() => bindRowFilter(filter, caller({ teams: ['a'] }), 't')), 'ROW_FILTER_UNSATISFIED');
    assert.equal(code(() => bindRowFilter(filter, caller(undefined), 't')), 'ROW_FILTER_UNSATISFIED');
    assert.equal(code(() => bindRowFilter(filter, caller({ region: ['eu'], teams: [] }), 't')), 'ROW_FILTER_UNSATISFIED');
    assert.deepEqual(bindRowFilter(parseRowFilter('owner = {{user.id}} AND a = {{agent.name}}'), caller({}), 't'), [
      { column: 'owner', op: '=', value: 'u-7' }, { column: 'a', op: '=', value: 'helper' },
    ]);
    assert.equal(code(() => bindRowFilter(parseRowFilter('t = {{agent.tenant}}'), caller({}), 't')), 'ROW_FILTER_UNSATISFIED');
    assert.deepEqual(bindRowFilter(undefined, caller(undefined), 't'), []);
  });
});
