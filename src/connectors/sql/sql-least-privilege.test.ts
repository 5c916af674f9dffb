/**
 * The least-privilege roles of docs/connectors/sql.md, created for real: the connector works with
 * nothing more than column grants on the declared columns, and the database itself refuses what
 * the connector never asks for (undeclared columns and tables, writes to other columns).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../ops/logger.js';
import { openSqlDriver } from './drivers/sql-driver.js';
import type { SqlEngine } from './query-builder.js';
import { closeAll, connector, context } from './test-fixtures/sql-connector-fixture.js';
import { createTestDatabase, type TestDatabase } from './test-fixtures/sql-databases.js';

/** The grants of the docs, for the test tables (filter column `region` is declared, so no extra grant). */
function grants(engine: SqlEngine, schema: string, role: string): string[] {
  if (engine === 'postgres') {
    return [
      `CREATE ROLE ${role} LOGIN`,
      `GRANT USAGE ON SCHEMA ${schema} TO ${role}`,
      `GRANT SELECT (id, name, email, region, plan), UPDATE (plan, region), INSERT (id, name, email, region, plan) ON ${schema}.customers TO ${role}`,
      `GRANT SELECT (id, customer_id, subject, status, category), UPDATE (status, category), INSERT (customer_id, subject, status, category) ON ${schema}.tickets TO ${role}`,
    ];
  }
  return [
    `CREATE USER '${role}'@'127.0.0.1'`,
    `GRANT SELECT (id, name, email, region, plan), UPDATE (plan, region), INSERT (id, name, email, region, plan) ON ${schema}.customers TO '${role}'@'127.0.0.1'`,
    `GRANT SELECT (id, customer_id, subject, status, category), UPDATE (status, category), INSERT (customer_id, subject, status, category) ON ${schema}.tickets TO '${role}'@'127.0.0.1'`,
  ];
}

for (const engine of ['postgres', 'mysql'] as const) {
  describe(`least-privilege role on ${engine}`, () => {
    let db: TestDatabase;
    let url: string;
    const role = `gh_role_${randomBytes(4).toString('hex')}`;

    before(async () => {
      db = await createTestDatabase(engine);
      const parsed = new URL(db.url);
      const schema = engine === 'postgres' ? parsed.searchParams.get('schema') ?? 'public' : parsed.pathname.slice(1);
      for (const sql of grants(engine, schema, role)) await db.admin(sql);
      parsed.username = role;
      url = parsed.toString();
    });
    after(async () => {
      await closeAll();
      if (engine === 'postgres') {
        await db.admin(`DROP OWNED BY ${role}`);
        await db.admin(`DROP ROLE ${role}`);
      } else {
        await db.admin(`DROP USER '${role}'@'127.0.0.1'`);
      }
      await db.drop();
    });

    it('serves every operation with column grants only', async () => {
      const c = connector(url);
      await c.start();
      assert.equal(c.health().status, 'ok');
      assert.equal((await c.execute('query', { table: 'customers' }, context())).summary, '2 rows');
      assert.equal((await c.execute('get', { table: 'tickets', key: 4 }, context())).summary, '1 row');
      assert.equal((await c.execute('sql', { sql: 'SELECT c.name, t.subject FROM customers c JOIN tickets t ON t.customer_id = c.id' }, context())).summary, '3 rows');
      const updated = await c.execute('update', { table: 'tickets', key: 1, values: { status: 'closed' } }, context());
      assert.equal(updated.changes?.[0]?.after?.status, 'closed');
      const inserted = await c.execute('insert', { table: 'tickets', values: { customer_id: 1, subject: 'New', status: 'open' } }, context());
      assert.match(inserted.structured.key as string, /^\d+$/);
      assert.equal((await c.execute('insert', { table: 'customers', values: { id: 9, name: 'Gus', region: 'eu' } }, context())).summary, 'inserted 1 row');
    });

    it('is refused by the database itself outside the grants', async () => {
      const driver = await openSqlDriver(engine, { url, password: undefined, statementTimeoutMs: 2000, poolSize: 1, connectTimeoutMs: 2000, log: silentLogger, connector: 'crm' });
      try {
        for (const [mode, text] of [
          ['read', 'SELECT ssn FROM customers'], ['read', 'SELECT secret FROM secrets'], ['read', 'SELECT internal_note FROM tickets'],
          ['write', "UPDATE tickets SET subject = 'x' WHERE id = 1"], ['write', 'DELETE FROM tickets'], ['write', 'DROP TABLE secrets'],
        ] as const) {
          const run = (s: { run: (st: { text: string; params: [] }) => Promise<unknown> }) => s.run({ text, params: [] });
          await assert.rejects(mode === 'read' ? driver.read(run) : driver.write(run), text);
        }
      } finally {
        await driver.close();
      }
      assert.deepEqual((await db.admin('SELECT secret FROM secrets')).length, 1);
    });
  });
}
