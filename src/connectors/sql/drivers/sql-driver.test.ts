import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatehouseError } from '../../../errors/catalog.js';
import { silentLogger } from '../../../ops/logger.js';
import { SQLITE_DEADLINE_FUNCTION, type SqlEngine } from '../query-builder.js';
import { ENGINES, createTestDatabase, type TestDatabase } from '../test-fixtures/sql-databases.js';
import { jsonValue, openSqlDriver, type SqlDriver } from './sql-driver.js';

const SLOW: Record<SqlEngine, string> = {
  postgres: 'SELECT pg_sleep(3)',
  mysql: 'SELECT SLEEP(3)',
  // SQLite cannot be interrupted from outside: the connector's statements carry the deadline check.
  sqlite: `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE ${SQLITE_DEADLINE_FUNCTION}(x)) SELECT COUNT(*) FROM c`,
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof GatehouseError, String(err));
    return err.code;
  }
  return 'no error';
}

for (const engine of ENGINES) {
  describe(`${engine} driver`, () => {
    let db: TestDatabase;
    let driver: SqlDriver;
    before(async () => {
      db = await createTestDatabase(engine);
      driver = await openSqlDriver(engine, {
        url: db.url, password: undefined, statementTimeoutMs: 300, poolSize: 2, connectTimeoutMs: 2000, log: silentLogger, connector: 'crm',
      });
    });
    after(async () => {
      await driver.close();
      await db.drop();
    });

    it('returns rows as arrays with their column names, and write counts', async () => {
      const read = await driver.read((s) => s.run({ text: 'SELECT id, subject FROM tickets WHERE id = 4', params: [] }));
      assert.deepEqual(read.columns, ['id', 'subject']);
      assert.deepEqual(read.rows, [[4, "O'Brien's printer"]]);
      const written = await driver.write((s) => s.run({ text: "UPDATE tickets SET category = 'x' WHERE status = 'open'", params: [] }));
      assert.equal(written.affected, 3);
      await db.reset();
    });

    it('runs reads in read-only transactions', async () => {
      assert.equal(await codeOf(driver.read((s) => s.run({ text: 'DELETE FROM tickets', params: [] }))), 'UPSTREAM_REJECTED');
      assert.equal((await db.admin('SELECT id FROM tickets')).length, 4);
    });

    it('rolls a write back when the work fails', async () => {
      const failing = driver.write(async (s) => {
        await s.run({ text: 'DELETE FROM tickets', params: [] });
        throw new GatehouseError('ROW_NOT_FOUND', 'stop');
      });
      assert.equal(await codeOf(failing), 'ROW_NOT_FOUND');
      assert.equal((await db.admin('SELECT id FROM tickets')).length, 4);
    });

    it('stops a statement at the timeout and keeps serving', async () => {
      assert.equal(await codeOf(driver.read((s) => s.run({ text: SLOW[engine], params: [] }))), 'UPSTREAM_TIMEOUT');
      await driver.ping();
      const after = await driver.read((s) => s.run({ text: 'SELECT COUNT(*) AS n FROM tickets', params: [] }));
      assert.equal(Number(after.rows[0]?.[0]), 4);
    });

    it('maps constraint violations to UPSTREAM_REJECTED without the database message', async () => {
      const [a, b] = engine === 'postgres' ? ['$1', '$2'] : ['?', '?'];
      const err = await driver.write((s) => s.run({ text: `INSERT INTO customers (id, name, region) VALUES (1, ${a}, ${b})`, params: ['Dup', 'eu'] }))
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof GatehouseError);
      assert.equal(err.code, 'UPSTREAM_REJECTED');
      assert.doesNotMatch(err.message, /Dup|duplicate|UNIQUE/i);
    });
  });
}

describe('unreachable databases', () => {
  for (const [engine, url] of [
    ['postgres', 'postgres://postgres@127.0.0.1:1/test'],
    ['mysql', 'mysql://root@127.0.0.1:1/test'],
    ['sqlite', 'sqlite:/nonexistent/gatehouse/crm.db'],
  ] as const) {
    it(`answers CONNECTOR_UNAVAILABLE for ${engine}`, async () => {
      const driver = await openSqlDriver(engine, {
        url, password: undefined, statementTimeoutMs: 1000, poolSize: 1, connectTimeoutMs: 1000, log: silentLogger, connector: 'crm',
      });
      try {
        assert.equal(await codeOf(driver.ping()), 'CONNECTOR_UNAVAILABLE');
        assert.equal(await codeOf(driver.write((s) => s.run({ text: 'SELECT 1', params: [] }))), 'CONNECTOR_UNAVAILABLE');
      } finally {
        await driver.close();
      }
    });
  }
});

describe('jsonValue', () => {
  it('turns client values into plain JSON', () => {
    assert.equal(jsonValue(new Date('2024-01-02T03:04:05Z')), '2024-01-02T03:04:05.000Z');
    assert.equal(jsonValue(12n), 12);
    assert.equal(jsonValue(2n ** 70n), '1180591620717411303424');
    assert.equal(jsonValue(Buffer.from('hi')), 'base64:aGk=');
    assert.equal(jsonValue(undefined), null);
    assert.equal(jsonValue(Number.NaN), 'NaN');
  });
});
