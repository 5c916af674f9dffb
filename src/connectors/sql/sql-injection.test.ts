/**
 * SQL injection through every argument, tried for real against each engine: each attempt must be
 * refused or bound as a plain value, must reveal nothing undeclared, and must leave the database as
 * it was.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { GatehouseError } from '../../errors/catalog.js';
import type { OperationResult } from '../connector.js';
import { caller, closeAll, connector, context } from './test-fixtures/sql-connector-fixture.js';
import { CANARY, ENGINES, createTestDatabase, type TestDatabase } from './test-fixtures/sql-databases.js';

/** What no answer may ever contain: the canary of the undeclared table, an undeclared column's values, an unmasked e-mail. */
const FORBIDDEN = [CANARY, '111-11-1111', 'note-a', 'ada@example.com'];

/** Raw statements the guard must refuse, with the code it refuses them with. */
const RAW_ATTACKS: readonly (readonly [string, string])[] = [
  ['SELECT name FROM customers UNION SELECT secret FROM secrets', 'QUERY_REJECTED'],
  ['SELECT name FROM customers UNION ALL SELECT name FROM customers', 'QUERY_REJECTED'],
  ['SELECT name FROM customers; DROP TABLE secrets', 'QUERY_REJECTED'],
  ['SELECT name FROM customers; SELECT secret FROM secrets', 'QUERY_REJECTED'],
  ['SELECT name FROM customers WHERE id = 1; DELETE FROM tickets', 'QUERY_REJECTED'],
  ['DROP TABLE secrets', 'QUERY_REJECTED'],
  ['DELETE FROM tickets', 'QUERY_REJECTED'],
  ["UPDATE tickets SET status = 'pwned'", 'QUERY_REJECTED'],
  ["INSERT INTO tickets (customer_id, subject, status) VALUES (1, 'x', 'y')", 'QUERY_REJECTED'],
  ['SELECT secret FROM secrets', 'TABLE_NOT_ALLOWED'],
  ['SELECT ssn FROM customers', 'COLUMN_NOT_ALLOWED'],
  ['SELECT internal_note FROM tickets', 'COLUMN_NOT_ALLOWED'],
  ['SELECT * FROM customers', 'QUERY_REJECTED'],
  ['SELECT c.* FROM customers c', 'QUERY_REJECTED'],
  ['SELECT name FROM customers c JOIN secrets s ON s.id = c.id', 'TABLE_NOT_ALLOWED'],
  ['SELECT name FROM customers WHERE id IN (SELECT id FROM secrets)', 'QUERY_REJECTED'],
  ['SELECT name FROM customers WHERE id = (SELECT COUNT(*) FROM secrets)', 'QUERY_REJECTED'],
  ['SELECT x.secret FROM (SELECT secret FROM secrets) x', 'QUERY_REJECTED'],
  ['WITH s AS (SELECT secret FROM secrets) SELECT secret FROM s', 'QUERY_REJECTED'],
  ['WITH c AS (SELECT name FROM customers) SELECT name FROM c', 'QUERY_REJECTED'],
  ['WITH d AS (DELETE FROM tickets RETURNING id) SELECT id FROM d', 'QUERY_REJECTED'],
  ['SELECT pg_sleep(5) FROM customers', 'QUERY_REJECTED'],
  ['SELECT pg_catalog.pg_sleep(5) FROM customers', 'QUERY_REJECTED'],
  ['SELECT sleep(5) FROM customers', 'QUERY_REJECTED'],
  ["SELECT load_file('/etc/passwd') FROM customers", 'QUERY_REJECTED'],
  ["SELECT pg_read_file('/etc/passwd') FROM customers", 'QUERY_REJECTED'],
  ["SELECT set_config('search_path', 'public', false) FROM customers", 'QUERY_REJECTED'],
  ["SELECT nextval('tickets_id_seq') FROM customers", 'QUERY_REJECTED'],
  ['SELECT version() FROM customers', 'QUERY_REJECTED'],
  ['SELECT name FROM customers WHERE id = benchmark(10000000, 1)', 'QUERY_REJECTED'],
  ['SELECT randomblob(1000000000) FROM customers', 'QUERY_REJECTED'],
  ["SELECT name FROM customers INTO OUTFILE '/tmp/gatehouse-pwned'", 'QUERY_REJECTED'],
  ['SELECT name FROM customers FOR UPDATE', 'QUERY_REJECTED'],
  ['SELECT name FROM public.customers', 'QUERY_REJECTED'],
  ['SELECT name FROM test.customers', 'QUERY_REJECTED'],
  ['SELECT name FROM main.customers', 'QUERY_REJECTED'],
  ['SELECT CAST(id AS CHAR) FROM customers', 'QUERY_REJECTED'],
  ['SELECT name FROM customers WHERE name = $1', 'QUERY_REJECTED'],
  ['SELECT name FROM customers WHERE name = ?', 'QUERY_REJECTED'],
  ["SELECT name FROM customers WHERE name = 'a\\' OR 1=1 -- '", 'QUERY_REJECTED'],
  ['SELECT email FROM customers WHERE email LIKE \'a%\'', 'COLUMN_NOT_ALLOWED'],
  ['SELECT LOWER(email) FROM customers', 'COLUMN_NOT_ALLOWED'],
  ['SELECT name FROM customers ORDER BY email', 'COLUMN_NOT_ALLOWED'],
  ['SELECT email AS e FROM customers ORDER BY e', 'COLUMN_NOT_ALLOWED'],
  ['SELECT COUNT(DISTINCT email) FROM customers', 'COLUMN_NOT_ALLOWED'],
  ['SELECT name FROM customers GROUP BY email, name', 'COLUMN_NOT_ALLOWED'],
  ['SELECT name, ROW_NUMBER() OVER (ORDER BY id) FROM customers', 'QUERY_REJECTED'],
  ['SELECT name FROM customers LIMIT 1000', 'QUERY_REJECTED'],
  ['SELECT name FROM customers ORDER BY 1', 'QUERY_REJECTED'],
  ['SELECT name FROM customers WHERE id = 99999999999999999999', 'QUERY_REJECTED'],
];

for (const engine of ENGINES) {
  describe(`sql injection on ${engine}`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase(engine);
    });
    afterEach(closeAll);
    after(async () => {
      await db.drop();
    });

    /** The database is as seeded: nothing dropped, deleted or changed. */
    const intact = async () => {
      assert.deepEqual(await db.admin('SELECT secret FROM secrets'), [{ secret: CANARY }]);
      assert.equal((await db.admin('SELECT id FROM customers')).length, 5);
      const tickets = await db.admin('SELECT id, status, subject FROM tickets ORDER BY id');
      assert.deepEqual(tickets.map((t) => [Number(t.id), t.status]), [[1, 'open'], [2, 'open'], [3, 'closed'], [4, 'open']]);
    };

    /**
     * Run an attempt: refused with one of `codes`, or (unless `mustRefuse`) answered without anything
     * forbidden in the answer.
     */
    const attempt = async (what: string, run: () => Promise<OperationResult>, codes: readonly string[], mustRefuse = false): Promise<OperationResult | undefined> => {
      try {
        const result = await run();
        assert.ok(!mustRefuse, `${what}: expected a refusal (${codes.join(', ')}), got an answer`);
        const text = `${result.text}\n${JSON.stringify(result.structured)}`;
        for (const f of FORBIDDEN) assert.ok(!text.includes(f), `${what}: the answer reveals ${f}`);
        return result;
      } catch (err) {
        assert.ok(err instanceof GatehouseError, `${what}: ${String(err)}`);
        assert.ok(codes.includes(err.code), `${what}: refused with ${err.code}, expected one of ${codes.join(', ')}`);
        for (const f of FORBIDDEN) assert.ok(!err.message.includes(f), `${what}: the error reveals ${f}`);
        return undefined;
      }
    };

    it('binds hostile filter values as plain values', async () => {
      const c = connector(db.url);
      const values = ["' OR '1'='1", "eu' OR region <> 'eu", '1; DROP TABLE secrets; --', "x'); DELETE FROM tickets; --", "%' UNION SELECT secret FROM secrets --",
        '\\', "\\'; DROP TABLE secrets; --", '"', '`', '$1', '?', '/*', '*/ OR 1=1 /*', '\u0000', "' || (SELECT secret FROM secrets) || '"];
      for (const value of values) {
        for (const op of ['=', '!=', 'like', '<']) {
          const result = await attempt(`${op} ${value}`, () => c.execute('query', { table: 'customers', filters: [{ column: 'name', op, value }] }, context()), ['UPSTREAM_REJECTED']);
          // Whatever matched is still inside the row filter.
          for (const row of ((result?.structured.rows ?? []) as { region: string }[])) assert.equal(row.region, 'eu');
        }
        await attempt(`in ${value}`, () => c.execute('query', { table: 'tickets', filters: [{ column: 'id', op: 'in', value: [value, 1] }] }, context()), ['UPSTREAM_REJECTED']);
        await attempt(`get ${value}`, () => c.execute('get', { table: 'tickets', key: value }, context()), ['ROW_NOT_FOUND', 'UPSTREAM_REJECTED', 'ARGUMENTS_INVALID']);
      }
      await intact();
    });

    it('never lets a hostile user attribute widen the row filter', async () => {
      const c = connector(db.url);
      for (const region of ["eu' OR '1'='1", "' OR 1=1 --", 'eu; DROP TABLE secrets']) {
        const result = await c.execute('query', { table: 'customers' }, context(caller({ region })));
        assert.equal(result.structured.count, 0, region);
      }
      await intact();
    });

    it('refuses hostile table, column, operator, sort and limit names', async () => {
      const c = connector(db.url);
      const ctx = context();
      const cases: [string, Record<string, unknown>, string][] = [
        ['table', { table: 'customers; DROP TABLE secrets' }, 'TABLE_NOT_ALLOWED'],
        ['table', { table: 'customers --' }, 'TABLE_NOT_ALLOWED'],
        ['table', { table: 'secrets' }, 'TABLE_NOT_ALLOWED'],
        ['table', { table: '"customers"' }, 'TABLE_NOT_ALLOWED'],
        ['table', { table: '__proto__' }, 'TABLE_NOT_ALLOWED'],
        ['columns', { table: 'customers', columns: ['id', '(SELECT secret FROM secrets)'] }, 'COLUMN_NOT_ALLOWED'],
        ['columns', { table: 'customers', columns: ['name, ssn'] }, 'COLUMN_NOT_ALLOWED'],
        ['columns', { table: 'customers', columns: ['*'] }, 'COLUMN_NOT_ALLOWED'],
        ['filter column', { table: 'customers', filters: [{ column: "name = 'x' OR 1=1 --", op: '=', value: 'x' }] }, 'COLUMN_NOT_ALLOWED'],
        ['filter column', { table: 'customers', filters: [{ column: 'ssn', op: 'is_null' }] }, 'COLUMN_NOT_ALLOWED'],
        ['filter op', { table: 'customers', filters: [{ column: 'name', op: '= name OR 1=1 --', value: 'x' }] }, 'ARGUMENTS_INVALID'],
        ['filter op', { table: 'customers', filters: [{ column: 'name', op: 'IS NOT NULL OR', value: 'x' }] }, 'ARGUMENTS_INVALID'],
        ['filter keys', { table: 'customers', filters: [{ column: 'name', op: '=', value: 'x', raw: 'OR 1=1' }] }, 'ARGUMENTS_INVALID'],
        ['sort column', { table: 'customers', sort: [{ column: '(SELECT secret FROM secrets)' }] }, 'COLUMN_NOT_ALLOWED'],
        ['sort direction', { table: 'customers', sort: [{ column: 'name', direction: 'desc; DROP TABLE secrets' }] }, 'ARGUMENTS_INVALID'],
        ['limit', { table: 'customers', limit: '1; DROP TABLE secrets' }, 'ARGUMENTS_INVALID'],
        ['limit', { table: 'customers', limit: 1.5 }, 'ARGUMENTS_INVALID'],
        ['offset', { table: 'customers', offset: '0 UNION SELECT secret FROM secrets' }, 'ARGUMENTS_INVALID'],
      ];
      for (const [what, args, code] of cases) await attempt(what, () => c.execute('query', args, ctx), [code], true);
      await attempt('get table', () => c.execute('get', { table: 'secrets', key: 1 }, ctx), ['TABLE_NOT_ALLOWED'], true);
      await intact();
    });

    it('binds hostile write values and refuses hostile write columns', async () => {
      const c = connector(db.url);
      await c.execute('update', { table: 'tickets', key: 2, values: { status: "x' WHERE 1=1; --" } }, context());
      const rows = await db.admin('SELECT id, status FROM tickets ORDER BY id');
      assert.deepEqual(rows.map((r) => r.status), ['open', "x' WHERE 1=1; --", 'closed', 'open'], 'only the one row changed, to the literal text');
      await db.reset();
      const columns = ["status = 'x', subject", 'status`=1,`subject', 'status"', 'subject', '__proto__', 'constructor'];
      for (const column of columns) {
        await attempt(`update ${column}`, () => c.execute('update', { table: 'tickets', key: 1, values: JSON.parse(JSON.stringify({ [column]: 'x' })) }, context()), ['COLUMN_NOT_ALLOWED'], true);
        if (column !== 'subject') await attempt(`insert ${column}`, () => c.execute('insert', { table: 'tickets', values: { customer_id: 1, subject: 's', status: 'o', [column]: 'x' } }, context()), ['COLUMN_NOT_ALLOWED'], true);
      }
      await attempt('update key', () => c.execute('update', { table: 'tickets', key: '1 OR 1=1', values: { status: 'x' } }, context()), ['ROW_NOT_FOUND', 'UPSTREAM_REJECTED'], true);
      await attempt('update key', () => c.execute('update', { table: 'tickets', key: "1' OR '1'='1", values: { status: 'x' } }, context()), ['ROW_NOT_FOUND', 'UPSTREAM_REJECTED'], true);
      await attempt('update table', () => c.execute('update', { table: 'tickets; DROP TABLE secrets', key: 1, values: { status: 'x' } }, context()), ['TABLE_NOT_ALLOWED'], true);
      await intact();
    });

    it('refuses raw statements that leave the declared tables, columns and constructs', async () => {
      const c = connector(db.url);
      for (const [sql, code] of RAW_ATTACKS) await attempt(sql, () => c.execute('sql', { sql }, context()), [code], true);
      await intact();
    });

    it('drops comments, including executable ones, instead of running them', async () => {
      const c = connector(db.url);
      for (const sql of [
        'SELECT name /*!50000 , (SELECT secret FROM secrets) */ FROM customers',
        "SELECT name FROM customers WHERE name = 'Ada' -- UNION SELECT secret FROM secrets",
        "SELECT name FROM customers WHERE name = 'x' /* ' UNION SELECT secret FROM secrets -- */ OR name = 'Cleo'",
      ]) {
        const result = await attempt(sql, () => c.execute('sql', { sql }, context()), ['QUERY_REJECTED']);
        if (result !== undefined) assert.deepEqual(result.structured.columns, ['name'], sql);
      }
      await intact();
    });
  });
}
