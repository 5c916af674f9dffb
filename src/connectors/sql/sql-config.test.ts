import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret } from '../../config/secret.js';
import { loadSqlConnectorConfig, sqlConnectorSchema, sqlEngineOf } from './sql-config.js';

const base = {
  name: 'crm', type: 'sql', owner: 'o', purpose: 'p', powers: ['read'], url: 'postgres://crm_reader@db:5432/crm',
  tables: { customers: { columns: ['id', 'name'] } },
};

function problems(entry: Record<string, unknown>): string[] {
  const result = sqlConnectorSchema.safeParse(entry);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('sql connector configuration', () => {
  it('applies defaults', () => {
    const parsed = sqlConnectorSchema.parse(base);
    assert.deepEqual(parsed.tables.customers, { key: 'id', columns: ['id', 'name'], mask: {}, max_rows: 100, label: 'internal' });
    assert.equal(parsed.raw_sql, false);
    assert.equal(parsed.statement_timeout, '5s');
  });

  it('checks keys, masks, writable columns and row filters against the columns, with paths', () => {
    const found = problems({
      ...base,
      tables: {
        t: {
          key: 'uid', columns: ['id', 'name', 'name'], mask: { ssn: 'partial', id: 'redact' }, row_filter: "region = 'eu' OR 1=1",
          write: { update: ['uid', 'email'], insert: ['nope'] },
        },
        k: { columns: ['id'], mask: { id: 'redact' } },
      },
    });
    for (const expected of [
      'tables.t.columns: columns are listed more than once', 'tables.t.key: the key column "uid" must be one of the columns',
      'tables.t.mask.ssn: "ssn" is not one of the columns', 'tables.k.mask.id: the key column cannot be masked: it names records',
      'tables.t.write.update.email: "email" is not one of the columns', 'tables.t.write.insert.nope: "nope" is not one of the columns',
      'tables.t.write.update: the key column cannot be updated: changes are reverted by key',
    ]) {
      assert.ok(found.includes(expected), `missing "${expected}" in\n${found.join('\n')}`);
    }
    assert.ok(found.some((p) => p.startsWith('tables.t.row_filter: invalid row filter: expected AND')), found.join('\n'));
  });

  it('refuses unknown keys, bad names and unsafe URLs', () => {
    assert.ok(problems({ ...base, extra: 1 }).length > 0);
    assert.ok(problems({ ...base, tables: { 'bad-name': { columns: ['id'] } } }).length > 0);
    assert.ok(problems({ ...base, tables: { t: { columns: ['id; drop'] } } }).length > 0);
    assert.ok(problems({ ...base, tables: {} }).length > 0);
    assert.ok(problems({ ...base, tables: { t: { columns: ['id'], max_rows: 100000 } } }).length > 0);
    assert.ok(problems({ ...base, password: 'hunter2' }).length > 0, 'literal password');
    for (const [url, fragment] of [
      ['postgres://u:pw@db/crm', 'must not carry a password'], ['postgres://db/crm', 'name the database user'], ['postgres://u@db/', 'names no database'],
      ['postgres://u@db/crm?password=x', 'may carry a credential'], ['mysql://u@db/crm?schema=x', 'not supported for MySQL'],
      ['postgres://u@db/crm?schema=Bad-Name', 'lowercase SQL name'], ['mongodb://u@db/crm', 'expected postgres'], ['sqlite://crm.db', 'sqlite:PATH'],
    ]) {
      assert.ok(problems({ ...base, url }).some((p) => p.includes(fragment as string)), `${url}: ${problems({ ...base, url }).join('; ')}`);
    }
    assert.ok(problems({ ...base, url: 'sqlite:./crm.db', password: '${env:X}' }).some((p) => p.includes('no password')));
    assert.deepEqual(problems({ ...base, url: 'mysql://u@db:3306/crm?ssl=true', password: '${secret:crm-db}' }), []);
  });

  it('loads relative SQLite paths against the config folder and the password as a Secret', () => {
    const secret = new Secret('${secret:crm-db}', 'store', 'crm-db');
    const loaded = loadSqlConnectorConfig(sqlConnectorSchema.parse({ ...base, url: 'sqlite:./data/crm.db' }), '/etc/gatehouse', () => secret);
    assert.equal(loaded.url, 'sqlite:/etc/gatehouse/data/crm.db');
    assert.equal(loaded.password, undefined);
    const withPassword = loadSqlConnectorConfig(sqlConnectorSchema.parse({ ...base, password: '${secret:crm-db}' }), '/x', () => secret);
    assert.equal(withPassword.password, secret);
    assert.equal(sqlEngineOf('mariadb://u@h/d'), 'mysql');
    assert.equal(sqlEngineOf('postgresql://u@h/d'), 'postgres');
  });
});
