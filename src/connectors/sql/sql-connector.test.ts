import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { Secret } from '../../config/secret.js';
import { GatehouseError } from '../../errors/catalog.js';
import { caller, closeAll, connector, context, rawConfig, rejectsWith } from './test-fixtures/sql-connector-fixture.js';
import { ENGINES, createTestDatabase, type TestDatabase } from './test-fixtures/sql-databases.js';

type Rows = { rows: Record<string, unknown>[]; count: number; truncated: boolean };

for (const engine of ENGINES) {
  describe(`sql connector on ${engine}`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase(engine);
    });
    beforeEach(async () => {
      await db.reset();
    });
    afterEach(closeAll);
    after(async () => {
      await db.drop();
    });

    const query = async (args: Record<string, unknown>, ctx = context()) => (await connector(db.url).execute('query', args, ctx)).structured as unknown as Rows;

    it('offers operations by power and declaration, with strict schemas', () => {
      assert.deepEqual(connector(db.url).operations().map((o) => [o.name, o.power]),
        [['query', 'read'], ['get', 'read'], ['sql', 'read'], ['update', 'write'], ['revert', 'write'], ['insert', 'write']]);
      assert.deepEqual(connector(db.url).operations().filter((o) => o.hidden === true).map((o) => o.name), ['revert'], 'revert is for people only');
      const readOnly = connector(db.url, { powers: ['read'], raw_sql: false });
      assert.deepEqual(readOnly.operations().map((o) => o.name), ['query', 'get']);
      for (const op of connector(db.url).operations()) assert.equal(op.inputSchema.additionalProperties, false, op.name);
      const q = connector(db.url).operations()[0]!;
      assert.deepEqual((q.inputSchema.properties as Record<string, { enum?: string[] }>).table?.enum, ['customers', 'tickets']);
      assert.match(q.summary, /email \[masked\]/);
      // The gateway validates arguments with these schemas before anything else.
      const ajv = new Ajv({ allErrors: true, strict: false });
      const validate = Object.fromEntries(connector(db.url).operations().map((o) => [o.name, ajv.compile(o.inputSchema)]));
      assert.equal(validate.query?.({ table: 'customers', filters: [{ column: 'id', op: 'in', value: [1, '2'] }], sort: [{ column: 'id' }], limit: 3 }), true);
      assert.equal(validate.query?.({ table: 'customers; drop' }), false);
      assert.equal(validate.query?.({ table: 'tickets', filters: [{ column: 'id', op: '=', value: { a: 1 } }] }), false);
      assert.equal(validate.query?.({ table: 'tickets', limit: 51 }), false);
      assert.equal(validate.get?.({ table: 'tickets', key: 1.5 }), false);
      assert.equal(validate.update?.({ table: 'tickets', key: '1', values: { status: 'x', category: null } }), true);
      assert.equal(validate.update?.({ table: 'tickets', key: '1', values: { status: ['x'] } }), false);
      assert.equal(validate.insert?.({ table: 'tickets', values: {} }), false);
      assert.equal(validate.sql?.({ sql: 'SELECT 1', extra: true }), false);
    });

    it('targets tables, records and the connector', async () => {
      const c = connector(db.url);
      assert.deepEqual(await c.target('query', { table: 'customers' }), {
        type: 'Table', id: 'crm/customers', attributes: { table: 'customers', label: 'confidential', connector: 'crm' }, parents: [{ type: 'Connector', id: 'crm' }],
      });
      assert.deepEqual(await c.target('get', { table: 'tickets', key: 4 }), {
        type: 'Record', id: 'crm/tickets/4', attributes: { table: 'tickets', key: '4', label: 'internal', connector: 'crm' },
        parents: [{ type: 'Table', id: 'crm/tickets' }, { type: 'Connector', id: 'crm' }],
      });
      assert.equal((await c.target('update', { table: 'tickets', key: '4', values: { status: 'closed' } })).id, 'crm/tickets/4');
      assert.equal((await c.target('insert', { table: 'tickets', values: { subject: 'new' } })).type, 'Table');
      // A write of a column no one may write is refused before policy and gates, never held for approval.
      await rejectsWith(c.target('update', { table: 'tickets', key: '4', values: { subject: 'hacked' } }), 'COLUMN_NOT_ALLOWED');
      assert.deepEqual(await c.target('sql', { sql: 'SELECT 1' }), { type: 'Connector', id: 'crm', attributes: {}, parents: [] });
      await rejectsWith(c.target('query', { table: 'secrets' }), 'TABLE_NOT_ALLOWED');
      await rejectsWith(c.target('get', { table: 'tickets', key: ['1'] }), 'ARGUMENTS_INVALID');
      await rejectsWith(connector(db.url, { powers: ['read'] }).target('update', { table: 'tickets', key: 1 }), 'TOOL_UNKNOWN');
    });

    it('confines queries to the row filter and masks what it returns', async () => {
      const ctx = context();
      const result = await query({ table: 'customers' }, ctx);
      assert.deepEqual(result.rows, [
        { id: 1, name: 'Ada', email: 'a***@example.com', region: 'eu', plan: 'pro' },
        { id: 3, name: 'Cleo', email: 'c***@example.org', region: 'eu', plan: 'free' },
      ]);
      assert.deepEqual(ctx.asked.map((r) => r.id), ['crm/customers/1', 'crm/customers/3']);
      // Filters narrow within the row filter; they cannot widen it.
      assert.equal((await query({ table: 'customers', filters: [{ column: 'region', op: '=', value: 'us' }] })).count, 0);
      assert.equal((await query({ table: 'customers', filters: [{ column: 'region', op: 'in', value: ['eu', 'us', 'apac'] }] })).count, 2);
      assert.equal((await query({ table: 'customers', filters: [{ column: 'region', op: '!=', value: 'eu' }] })).count, 0);
      // Another user's attribute gives another slice; a set attribute is not a scalar.
      assert.deepEqual((await query({ table: 'customers' }, context(caller({ region: 'us' })))).rows.map((r) => r.id), [2, 5]);
      await rejectsWith(query({ table: 'customers' }, context(caller({ region: ['eu', 'us'] }))), 'ROW_FILTER_UNSATISFIED', 'set attribute');
    });

    it('denies a row-filtered table when the attribute or the user is absent', async () => {
      await rejectsWith(query({ table: 'customers' }, context(caller({ team: 'x' }))), 'ROW_FILTER_UNSATISFIED', 'missing attribute');
      await rejectsWith(query({ table: 'customers' }, context(caller(null))), 'ROW_FILTER_UNSATISFIED', 'no user');
      await rejectsWith(connector(db.url).execute('get', { table: 'customers', key: 1 }, context(caller(null))), 'ROW_FILTER_UNSATISFIED');
      await rejectsWith(connector(db.url).execute('sql', { sql: 'SELECT name FROM customers' }, context(caller(null))), 'ROW_FILTER_UNSATISFIED');
      await rejectsWith(connector(db.url).execute('update', { table: 'customers', key: 1, values: { plan: 'x' } }, context(caller({}))), 'ROW_FILTER_UNSATISFIED');
      // A table without a row filter needs no user.
      assert.equal((await query({ table: 'tickets' }, context(caller(null)))).count, 4);
    });

    it('filters, sorts, limits and pages with structured arguments', async () => {
      const open = await query({ table: 'tickets', columns: ['subject'], filters: [{ column: 'status', op: '=', value: 'open' }], sort: [{ column: 'id', direction: 'desc' }], limit: 2 });
      assert.deepEqual(open.rows, [{ id: 4, subject: "O'Brien's printer" }, { id: 2, subject: 'Invoice wrong' }]);
      assert.equal(open.truncated, true);
      const page = await query({ table: 'tickets', filters: [{ column: 'status', op: '=', value: 'open' }], limit: 2, offset: 2 });
      assert.deepEqual(page.rows.map((r) => r.id), [4]);
      assert.equal(page.truncated, false);
      const like = await query({ table: 'tickets', filters: [{ column: 'subject', op: 'like', value: "O'Brien%" }] });
      assert.deepEqual(like.rows.map((r) => r.id), [4]);
      const some = await query({ table: 'tickets', filters: [{ column: 'id', op: 'in', value: [1, 3] }, { column: 'category', op: 'is_null', value: false }] });
      assert.deepEqual(some.rows.map((r) => r.id), [1, 3]);
      assert.equal((await query({ table: 'tickets', filters: [{ column: 'id', op: 'in', value: [] }] })).count, 0);
      assert.equal((await query({ table: 'customers', filters: [{ column: 'email', op: 'is_null' }] }, context(caller({ region: 'apac' })))).count, 1);
    });

    it('refuses unknown and masked columns, oversized limits and confused types', async () => {
      await rejectsWith(query({ table: 'customers', columns: ['id', 'ssn'] }), 'COLUMN_NOT_ALLOWED');
      await rejectsWith(query({ table: 'customers', filters: [{ column: 'ssn', op: '=', value: '1' }] }), 'COLUMN_NOT_ALLOWED');
      await rejectsWith(query({ table: 'customers', filters: [{ column: 'email', op: 'like', value: 'a%' }] }), 'COLUMN_NOT_ALLOWED', 'masked filter');
      await rejectsWith(query({ table: 'customers', sort: [{ column: 'email' }] }), 'COLUMN_NOT_ALLOWED', 'masked sort');
      await rejectsWith(query({ table: 'customers', limit: 4 }), 'ARGUMENTS_INVALID', 'limit over max_rows');
      await rejectsWith(query({ table: 'tickets', limit: 1e9 }), 'ARGUMENTS_INVALID');
      await rejectsWith(query({ table: 'tickets', limit: '5' }), 'ARGUMENTS_INVALID');
      await rejectsWith(query({ table: 'tickets', offset: -1 }), 'ARGUMENTS_INVALID');
      for (const value of [['open'], { $ne: 1 }, 2 ** 60, Number.POSITIVE_INFINITY, Number.NaN, null, [[1]]]) {
        await rejectsWith(query({ table: 'tickets', filters: [{ column: 'status', op: '=', value }] }), 'ARGUMENTS_INVALID', JSON.stringify(value));
      }
      await rejectsWith(query({ table: 'tickets', filters: [{ column: 'id', op: 'in', value: [[1], 2] }] }), 'ARGUMENTS_INVALID');
      await rejectsWith(query({ table: 'tickets', filters: [{ column: 'id', op: 'in', value: 1 }] }), 'ARGUMENTS_INVALID');
      await rejectsWith(query({ table: 'tickets', filters: [{ column: 'id', op: 'between', value: 1 }] }), 'ARGUMENTS_INVALID');
      await rejectsWith(query({ table: 'tickets', filters: { column: 'id' } }), 'ARGUMENTS_INVALID');
      await rejectsWith(query({ table: ['tickets'] }), 'TABLE_NOT_ALLOWED');
    });

    it('gets a row by key inside the row filter only', async () => {
      const c = connector(db.url);
      const got = await c.execute('get', { table: 'customers', key: 1 }, context());
      assert.deepEqual(got.structured, { table: 'customers', key: '1', row: { id: 1, name: 'Ada', email: 'a***@example.com', region: 'eu', plan: 'pro' } });
      assert.equal(got.provenance[0]?.source, 'crm:customers/1');
      assert.doesNotMatch(got.text, /ada@example/);
      // Outside the filter and absent are the same answer.
      const outside = await rejectsWith(c.execute('get', { table: 'customers', key: 2 }, context()), 'ROW_NOT_FOUND');
      const absent = await rejectsWith(c.execute('get', { table: 'customers', key: 99 }, context()), 'ROW_NOT_FOUND');
      assert.equal(outside.message, absent.message);
      assert.deepEqual(outside.details, absent.details);
      // Only the canonical key names a row.
      await rejectsWith(c.execute('get', { table: 'customers', key: '01' }, context()), 'ROW_NOT_FOUND');
    });

    it('updates declared writable columns only and returns before and after images', async () => {
      const c = connector(db.url);
      const result = await c.execute('update', { table: 'tickets', key: 1, values: { status: 'closed', category: null } }, context());
      assert.deepEqual(result.changes, [{
        kind: 'update', target: 'tickets', key: '1',
        before: { id: 1, customer_id: 1, subject: 'Login fails', status: 'open', category: 'bug' },
        after: { id: 1, customer_id: 1, subject: 'Login fails', status: 'closed', category: null },
      }]);
      assert.deepEqual(result.structured, { table: 'tickets', key: '1', row: { id: 1, customer_id: 1, subject: 'Login fails', status: 'closed', category: null } });
      assert.deepEqual(await db.admin('SELECT status FROM tickets WHERE id = 1'), [{ status: 'closed' }]);

      await rejectsWith(c.execute('update', { table: 'tickets', key: 2, values: { subject: 'x' } }, context()), 'COLUMN_NOT_ALLOWED');
      await rejectsWith(c.execute('update', { table: 'tickets', key: 2, values: { id: 9 } }, context()), 'COLUMN_NOT_ALLOWED');
      await rejectsWith(c.execute('update', { table: 'tickets', key: 2, values: { status: 'x', internal_note: 'y' } }, context()), 'COLUMN_NOT_ALLOWED');
      await rejectsWith(c.execute('update', { table: 'tickets', key: 77, values: { status: 'x' } }, context()), 'ROW_NOT_FOUND');
      await rejectsWith(c.execute('update', { table: 'tickets', key: 2, values: { status: ['x'] } }, context()), 'ARGUMENTS_INVALID');
      await rejectsWith(c.execute('update', { table: 'tickets', key: 2, values: {} }, context()), 'ARGUMENTS_INVALID');
      assert.deepEqual(await db.admin('SELECT subject, status FROM tickets WHERE id = 2'), [{ subject: 'Invoice wrong', status: 'open' }]);
    });

    it('keeps writes inside the row filter and masks their results', async () => {
      const c = connector(db.url);
      // A row outside the filter cannot be updated: it is not found.
      await rejectsWith(c.execute('update', { table: 'customers', key: 2, values: { plan: 'x' } }, context()), 'ROW_NOT_FOUND');
      // Nor can a row be moved out of it.
      await rejectsWith(c.execute('update', { table: 'customers', key: 1, values: { region: 'us' } }, context()), 'ROW_FILTER_UNSATISFIED');
      assert.deepEqual(await db.admin('SELECT region, plan FROM customers WHERE id IN (1, 2) ORDER BY id'), [{ region: 'eu', plan: 'pro' }, { region: 'us', plan: 'free' }]);

      const updated = await c.execute('update', { table: 'customers', key: 1, values: { plan: 'enterprise' } }, context());
      assert.equal((updated.structured.row as Record<string, unknown>).email, 'a***@example.com');
      assert.equal(updated.changes?.[0]?.before?.email, 'ada@example.com', 'the images are unmasked, for reverting');
      assert.equal(updated.changes?.[0]?.after?.plan, 'enterprise');

      await rejectsWith(c.execute('insert', { table: 'customers', values: { id: 6, name: 'Fay', region: 'us' } }, context()), 'ROW_FILTER_UNSATISFIED');
      assert.deepEqual(await db.admin('SELECT id FROM customers WHERE id = 6'), []);
      const inserted = await c.execute('insert', { table: 'customers', values: { id: 6, name: 'Fay', email: 'fay@example.com', region: 'eu' } }, context());
      assert.deepEqual(inserted.structured, { table: 'customers', key: '6', row: { id: 6, name: 'Fay', email: 'f***@example.com', region: 'eu', plan: null } });
      assert.deepEqual(inserted.changes, [{ kind: 'insert', target: 'customers', key: '6', before: null, after: { id: 6, name: 'Fay', email: 'fay@example.com', region: 'eu', plan: null } }]);
    });

    it('inserts with a generated key and withholds a result policy refuses', async () => {
      const c = connector(db.url);
      const result = await c.execute('insert', { table: 'tickets', values: { customer_id: 3, subject: 'New', status: 'open' } }, context());
      const key = result.structured.key as string;
      assert.match(key, /^\d+$/);
      assert.deepEqual(result.changes?.[0]?.after, { id: Number(key), customer_id: 3, subject: 'New', status: 'open', category: null });
      await rejectsWith(c.execute('insert', { table: 'tickets', values: { customer_id: 3, subject: 'x', status: 'open', id: 50 } }, context()), 'COLUMN_NOT_ALLOWED');
      const hidden = await c.execute('insert', { table: 'tickets', values: { customer_id: 3, subject: 'Hidden', status: 'open' } }, context(caller(), (r) => r.type === 'Record'));
      assert.equal(hidden.structured.row, undefined);
      assert.equal(hidden.changes?.length, 1);
      if (engine !== 'sqlite') {
        // SQLite stores what it is given (unless the table is STRICT); the others refuse the type.
        await rejectsWith(c.execute('insert', { table: 'tickets', values: { customer_id: 'not a number', subject: 'x', status: 'open' } }, context()), 'UPSTREAM_REJECTED');
      }
    });

    it('drops rows policy refuses from query results, leaving nothing behind', async () => {
      const result = await query({ table: 'tickets' }, context(caller(), (r) => r.id === 'crm/tickets/2'));
      assert.deepEqual(result.rows.map((r) => r.id), [1, 3, 4]);
      assert.doesNotMatch(JSON.stringify(result), /Invoice/);
    });

    it('runs guarded raw SELECTs with row filters and masks', async () => {
      const c = connector(db.url);
      const run = async (sql: string, ctx = context()) => (await c.execute('sql', { sql }, ctx)).structured as { columns: string[]; rows: unknown[][]; truncated: boolean };
      const names = await run('SELECT name, email AS contact FROM customers ORDER BY name DESC');
      assert.deepEqual(names.columns, ['name', 'contact']);
      assert.deepEqual(names.rows, [['Cleo', 'c***@example.org'], ['Ada', 'a***@example.com']]);
      const joined = await run("SELECT c.name, COUNT(*) AS n FROM customers c JOIN tickets t ON t.customer_id = c.id WHERE t.status = 'open' GROUP BY c.name ORDER BY n DESC");
      assert.deepEqual(joined.rows.map((r) => [r[0], Number(r[1])]), [['Ada', 2]]);
      const widened = await run("SELECT id FROM customers WHERE region = 'us' OR 1 = 1 ORDER BY id");
      assert.deepEqual(widened.rows, [[1], [3]]);
      const quoted = await run("SELECT id, UPPER(status) AS s FROM tickets WHERE subject = 'O''Brien''s printer' AND id BETWEEN 1 AND 9 AND category IS NOT NULL");
      assert.deepEqual(quoted.rows, [[4, 'OPEN']]);
      const limited = await run('SELECT id FROM tickets ORDER BY id LIMIT 2 OFFSET 1');
      assert.deepEqual(limited.rows, [[2], [3]]);
      assert.equal((await run('SELECT id FROM customers')).truncated, false);
      await rejectsWith(c.execute('sql', { sql: 'SELECT name FROM customers' }, context(caller(), (r) => r.id === 'crm/customers')), 'POLICY_DENIED');
    });

    it('stops a runaway raw query at the statement timeout and keeps serving', async () => {
      const values = Array.from({ length: 1500 }, (_, i) => `(${100 + i}, 1, 's', 'open')`).join(', ');
      await db.admin(`INSERT INTO tickets (id, customer_id, subject, status) VALUES ${values}`);
      const c = connector(db.url, { statement_timeout: '300ms' });
      const sql = 'SELECT COUNT(*) AS n FROM tickets a, tickets b, tickets c';
      await rejectsWith(c.execute('sql', { sql }, context()), 'UPSTREAM_TIMEOUT');
      assert.equal((await c.execute('get', { table: 'tickets', key: 1 }, context())).summary, '1 row');
      assert.equal(c.health().lastErrorCode, 'UPSTREAM_TIMEOUT');
    });

    it('reports health and answers an unreachable database with CONNECTOR_UNAVAILABLE', async () => {
      const c = connector(db.url);
      assert.equal(c.health().status, 'starting');
      await c.start();
      assert.equal(c.health().status, 'ok');
      assert.equal(c.health().facts.engine, engine);
      const degraded = connector(db.url, { tables: { ...(rawConfig(db.url).tables as object), ghosts: { columns: ['id'] } } });
      await degraded.start();
      assert.equal(degraded.health().status, 'degraded');
      assert.equal(degraded.health().facts.unreadable_tables, 'ghosts');

      const unreachable = engine === 'sqlite' ? 'sqlite:/nonexistent/gatehouse/crm.db'
        : engine === 'postgres' ? 'postgres://postgres@127.0.0.1:1/test' : 'mysql://root@127.0.0.1:1/test';
      const down = connector(unreachable);
      await down.start();
      assert.equal(down.health().status, 'unavailable');
      await rejectsWith(down.execute('query', { table: 'tickets' }, context()), 'CONNECTOR_UNAVAILABLE');
      await rejectsWith(down.execute('get', { table: 'tickets', key: 1 }, context()), 'CONNECTOR_UNAVAILABLE');
      await rejectsWith(down.execute('update', { table: 'tickets', key: 1, values: { status: 'x' } }, context()), 'CONNECTOR_UNAVAILABLE');
      await rejectsWith(down.execute('sql', { sql: 'SELECT id FROM tickets' }, context()), 'CONNECTOR_UNAVAILABLE');
      const health = down.health();
      assert.equal(health.status, 'unavailable');
      assert.equal(health.lastErrorCode, 'CONNECTOR_UNAVAILABLE');
    });

    if (engine === 'mysql') {
      it('resolves the password through the secret resolver when it connects', async () => {
        const secret = new Secret('${secret:crm-db}', 'store', 'crm-db');
        const withPassword = { password: '${secret:crm-db}' };
        let asked = 0;
        const ok = connector(db.url, withPassword, { secrets: { resolve: async () => { asked += 1; return ''; } } }, secret);
        assert.equal((await ok.execute('query', { table: 'tickets' }, context())).summary, '4 rows');
        assert.equal(asked, 1);
        const failing = connector(db.url, withPassword, {
          secrets: { resolve: async () => { throw new GatehouseError('SECRET_UNAVAILABLE', 'The secret is missing.'); } },
        }, secret);
        await rejectsWith(failing.execute('query', { table: 'tickets' }, context()), 'SECRET_UNAVAILABLE');
        assert.equal(failing.health().status, 'unavailable');
      });
    }
  });
}
