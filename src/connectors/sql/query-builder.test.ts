import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildInsert, buildSelect, buildUpdate, quoteIdentifier } from './query-builder.js';

describe('query builder', () => {
  it('quotes identifiers per engine and refuses anything but plain names', () => {
    assert.equal(quoteIdentifier('postgres', 'Name'), '"Name"');
    assert.equal(quoteIdentifier('sqlite', 'name'), '"name"');
    assert.equal(quoteIdentifier('mysql', 'name'), '`name`');
    for (const bad of ['a"b', 'a`b', 'a b', '1a', '', 'a;b', 'a.b', 'x'.repeat(64)]) assert.throws(() => quoteIdentifier('postgres', bad), bad);
  });

  it('builds parameterised SELECTs with placeholders in text order', () => {
    const plan = {
      table: 'customers', columns: ['id', 'name'],
      where: [
        { column: 'region', op: '=', value: 'eu' },
        { column: 'id', op: 'in', values: [1, 2] },
        { column: 'name', op: 'like', value: "O'B%" },
        { column: 'email', op: 'is_null' },
        { column: 'plan', op: '!=', value: true },
        { column: 'x', op: 'in', values: [] },
        { column: 'y', op: 'not_in', values: [] },
      ] as const,
      orderBy: [{ column: 'name', descending: true }], limit: 11, offset: 20,
    };
    assert.deepEqual(buildSelect('postgres', plan), {
      text: 'SELECT "id", "name" FROM "customers" WHERE ("region" = $1) AND ("id" IN ($2, $3)) AND ("name" LIKE $4) AND ("email" IS NULL) AND ("plan" <> $5) AND (1 = 0) AND (1 = 1) ORDER BY "name" DESC LIMIT 11 OFFSET 20',
      params: ['eu', 1, 2, "O'B%", true],
    });
    assert.deepEqual(buildSelect('mysql', { ...plan, forUpdate: true }), {
      text: 'SELECT `id`, `name` FROM `customers` WHERE (`region` = ?) AND (`id` IN (?, ?)) AND (`name` LIKE ?) AND (`email` IS NULL) AND (`plan` <> ?) AND (1 = 0) AND (1 = 1) ORDER BY `name` DESC LIMIT 11 OFFSET 20 FOR UPDATE',
      params: ['eu', 1, 2, "O'B%", 1],
    });
    // SQLite reads carry the per-row deadline check; FOR UPDATE does not exist there.
    assert.equal(buildSelect('sqlite', { table: 't', columns: ['id'], where: [], limit: 1, forUpdate: true }).text,
      'SELECT "id" FROM "t" WHERE gatehouse_deadline("id") LIMIT 1');
  });

  it('builds UPDATE and INSERT statements', () => {
    assert.deepEqual(buildUpdate('postgres', { table: 't', set: [['a', 'x'], ['b', null]], where: [{ column: 'id', op: '=', value: '5' }] }), {
      text: 'UPDATE "t" SET "a" = $1, "b" = $2 WHERE ("id" = $3)', params: ['x', null, '5'],
    });
    assert.throws(() => buildUpdate('postgres', { table: 't', set: [['a', 1]], where: [] }));
    assert.deepEqual(buildInsert('postgres', { table: 't', values: [['a', 1], ['b', 'x']], returning: 'id' }), {
      text: 'INSERT INTO "t" ("a", "b") VALUES ($1, $2) RETURNING "id"', params: [1, 'x'],
    });
    assert.equal(buildInsert('mysql', { table: 't', values: [['a', 1]], returning: 'id' }).text, 'INSERT INTO `t` (`a`) VALUES (?)');
    assert.equal(buildInsert('sqlite', { table: 't', values: [], returning: 'id' }).text, 'INSERT INTO "t" DEFAULT VALUES RETURNING "id"');
    assert.throws(() => buildSelect('postgres', { table: 't', columns: ['id'], where: [], limit: -1 }));
  });
});
