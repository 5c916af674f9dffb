import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../errors/catalog.js';
import { guardRawSql } from './raw-sql-guard.js';
import { renderRawSql } from './raw-sql-render.js';
import { compileTables } from './sql-plan.js';

const TABLES = compileTables({
  customers: { key: 'id', columns: ['id', 'name', 'email', 'region'], mask: { email: 'partial' }, row_filter: 'region = {{user.region}}', max_rows: 50, label: 'internal' },
  tickets: { key: 'id', columns: ['id', 'customer_id', 'status'], mask: {}, max_rows: 20, label: 'internal' },
});

function refusal(sql: string, engine: 'postgres' | 'mysql' | 'sqlite' = 'postgres'): string {
  try {
    guardRawSql(sql, engine, TABLES);
  } catch (err) {
    return err instanceof GatehouseError ? err.code : `not a GatehouseError: ${String(err)}`;
  }
  return 'accepted';
}

describe('raw sql guard', () => {
  it('accepts a single SELECT over declared tables and rewrites it with filtered derived tables', () => {
    const query = guardRawSql("SELECT c.name, COUNT(*) AS n FROM customers c LEFT JOIN tickets t ON t.customer_id = c.id WHERE t.status IN ('open', 'new') AND c.name NOT LIKE 'x%' GROUP BY c.name HAVING COUNT(*) > 1 ORDER BY n DESC LIMIT 10", 'postgres', TABLES);
    assert.equal(query.maxRows, 20);
    const filters = [[{ column: 'region', op: '=', value: 'eu' } as const], []];
    assert.deepEqual(renderRawSql('postgres', query, filters), {
      text: 'SELECT "c"."name", COUNT(*) AS "n" FROM (SELECT "id", "name", "email", "region" FROM "customers" WHERE ("region" = $1)) AS "c" '
        + 'LEFT JOIN (SELECT "id", "customer_id", "status" FROM "tickets") AS "t" ON ("t"."customer_id" = "c"."id") '
        + 'WHERE (("t"."status" IN ($2, $3)) AND ("c"."name" NOT LIKE $4)) GROUP BY "c"."name" HAVING (COUNT(*) > 1) ORDER BY "n" DESC LIMIT 11',
      params: ['eu', 'open', 'new', 'x%'],
    });
    const masked = guardRawSql('SELECT id, email AS contact, email FROM customers', 'postgres', TABLES);
    assert.deepEqual(masked.items.map((i) => i.mask), [undefined, 'partial', 'partial']);
    const mysql = renderRawSql('mysql', guardRawSql("SELECT name FROM customers WHERE id BETWEEN 1 AND 3 OR name = 'O''Hara' LIMIT 5, 10", 'mysql', TABLES), filters);
    assert.equal(mysql.text, "SELECT `customers`.`name` FROM (SELECT `id`, `name`, `email`, `region` FROM `customers` WHERE (`region` = ?)) AS `customers` WHERE ((`customers`.`id` BETWEEN 1 AND 3) OR (`customers`.`name` = ?)) LIMIT 11 OFFSET 5");
    assert.deepEqual(mysql.params, ['eu', "O'Hara"]);
    const sqlite = renderRawSql('sqlite', guardRawSql('SELECT DISTINCT UPPER(status), -id FROM tickets WHERE status IS NOT NULL AND NOT id = 2', 'sqlite', TABLES), [[]]);
    assert.equal(sqlite.text, 'SELECT DISTINCT UPPER("tickets"."status"), (- "tickets"."id") FROM (SELECT "id", "customer_id", "status" FROM "tickets" WHERE gatehouse_deadline("id")) AS "tickets" WHERE (("tickets"."status" IS NOT NULL) AND (NOT ("tickets"."id" = 2))) LIMIT 21');
  });

  it('resolves unqualified columns and refuses ambiguous ones', () => {
    assert.equal(refusal('SELECT name FROM customers c JOIN tickets t ON customer_id = c.id'), 'accepted');
    assert.equal(refusal('SELECT id FROM customers c JOIN tickets t ON t.customer_id = c.id'), 'QUERY_REJECTED');
    assert.equal(refusal('SELECT x.name FROM customers c'), 'QUERY_REJECTED');
    assert.equal(refusal('SELECT name FROM customers c JOIN customers c ON c.id = c.id'), 'QUERY_REJECTED');
    assert.equal(refusal('SELECT NAME FROM CUSTOMERS'), 'accepted');
  });

  it('refuses masked columns anywhere but as a plain selected column', () => {
    assert.equal(refusal('SELECT email FROM customers'), 'accepted');
    for (const sql of ["SELECT name FROM customers WHERE email = 'a'", 'SELECT UPPER(email) FROM customers', 'SELECT MAX(email) FROM customers',
      'SELECT name FROM customers c JOIN tickets t ON c.email = t.status', "SELECT CASE WHEN email LIKE 'a%' THEN 1 END FROM customers",
      'SELECT email AS e FROM customers ORDER BY e', 'SELECT name FROM customers GROUP BY email']) {
      assert.equal(refusal(sql), 'COLUMN_NOT_ALLOWED', sql);
    }
  });

  it('refuses everything outside the subset, in every dialect', () => {
    for (const engine of ['postgres', 'mysql', 'sqlite'] as const) {
      for (const sql of [
        'SELECT name FROM customers UNION SELECT status FROM tickets', 'SELECT name FROM customers EXCEPT SELECT name FROM customers',
        'SELECT 1', 'SELECT name', 'SELECT * FROM tickets', 'SELECT COUNT(DISTINCT *) FROM tickets', "SELECT name || 'x' FROM customers",
        'SELECT name FROM customers; SELECT name FROM customers', 'SELECT @a FROM tickets', 'SELECT id FROM tickets LIMIT 21',
        'SELECT id FROM tickets ORDER BY 1', 'SELECT id FROM tickets a, tickets b, tickets c, tickets d, tickets e',
        'SELECT SUM(id) OVER () FROM tickets', "SELECT id FROM tickets WHERE status = 'a\\'b'", 'SELECT status COLLATE "C" FROM tickets',
        "SELECT id FROM tickets WHERE status IN (SELECT status FROM tickets)", 'SELECT EXISTS (SELECT 1) FROM tickets',
        `SELECT id FROM tickets WHERE ${'NOT '.repeat(60)}id = 1`, `SELECT id FROM tickets WHERE id = ${Array(2100).fill('1').join(' + ')}`, '   ', 'x'.repeat(4001),
      ]) {
        assert.notEqual(refusal(sql, engine), 'accepted', `${engine}: ${sql.slice(0, 80)}`);
      }
    }
  });

  it('caps the rows at the smallest max_rows of the tables read', () => {
    assert.equal(guardRawSql('SELECT id FROM customers', 'postgres', TABLES).limit, 50);
    assert.equal(guardRawSql('SELECT c.id FROM customers c JOIN tickets t ON t.customer_id = c.id', 'postgres', TABLES).limit, 20);
    assert.equal(refusal('SELECT id FROM customers LIMIT 51'), 'QUERY_REJECTED');
    assert.equal(refusal('SELECT id FROM customers LIMIT 0'), 'QUERY_REJECTED');
  });
});
