/**
 * PostgreSQL through a `pg` pool. The password is resolved each time a connection opens; the
 * statement, lock and idle-in-transaction timeouts are session settings of every connection; reads
 * run in `BEGIN READ ONLY` transactions. `?schema=NAME` in the URL sets the search path, so the
 * declared tables are looked up in that schema.
 */
import pg from 'pg';
import { GatehouseError } from '../../../errors/catalog.js';
import type { SqlStatement } from '../query-builder.js';
import { NETWORK_CODES, databaseError, jsonValue, type SqlDriver, type SqlDriverOptions, type SqlResult, type SqlSession } from './sql-driver.js';

/** The catalog error for anything `pg` throws. */
export function postgresError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof pg.DatabaseError && typeof code === 'string') {
    const cls = code.slice(0, 2);
    if (code === '57014' || code === '55P03') return databaseError('UPSTREAM_TIMEOUT', 'postgres', code);
    if (['08', '28', '53'].includes(cls) || code === '3D000' || code.startsWith('57P')) return databaseError('CONNECTOR_UNAVAILABLE', 'postgres', code);
    if (cls === '22' || cls === '23' || code === '25006') return databaseError('UPSTREAM_REJECTED', 'postgres', code);
    return databaseError('UPSTREAM_ERROR', 'postgres', code);
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return databaseError('CONNECTOR_UNAVAILABLE', 'postgres', code);
  const message = err instanceof Error ? err.message : '';
  // The pool's own connect timeout and dropped connections carry no code.
  if (/timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(message)) {
    return databaseError('CONNECTOR_UNAVAILABLE', 'postgres', undefined);
  }
  if (/Query read timeout/i.test(message)) return databaseError('UPSTREAM_TIMEOUT', 'postgres', undefined);
  return databaseError('UPSTREAM_ERROR', 'postgres', undefined);
}

function session(client: pg.PoolClient): SqlSession {
  return {
    async run(statement: SqlStatement): Promise<SqlResult> {
      const result = await client.query({ text: statement.text, values: [...statement.params], rowMode: 'array' });
      return {
        columns: (result.fields ?? []).map((f) => f.name),
        rows: (result.rows as unknown[][]).map((row) => row.map(jsonValue)),
        affected: result.rowCount ?? 0,
        insertId: undefined,
      };
    },
  };
}

/** A PostgreSQL driver; no connection is opened until the first call. */
export function createPostgresDriver(options: SqlDriverOptions): SqlDriver {
  const url = new URL(options.url.replace(/^postgresql:/, 'postgres:'));
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: url.toString(),
    ...(options.password === undefined ? {} : { password: options.password }),
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    lock_timeout: options.statementTimeoutMs,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 4,
    // A backstop for a server that stops answering without closing the socket.
    query_timeout: options.statementTimeoutMs + options.connectTimeoutMs,
    application_name: 'gatehouse',
    ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection that drops must not take the process down; the next call reconnects.
  pool.on('error', (err) => {
    options.log.warn('sql connector: idle database connection failed', { connector: options.connector, code: postgresError(err).code });
  });

  async function transaction<T>(mode: 'read' | 'write', work: (s: SqlSession) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw postgresError(err);
    }
    let broken = false;
    try {
      await client.query(mode === 'read' ? 'BEGIN READ ONLY' : 'BEGIN');
      const result = await work(session(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      const mapped = postgresError(err);
      if (mapped.code === 'CONNECTOR_UNAVAILABLE' || mapped.code === 'UPSTREAM_TIMEOUT') broken = true;
      throw mapped;
    } finally {
      client.release(broken);
    }
  }

  return {
    engine: 'postgres',
    read: (work) => transaction('read', work),
    write: (work) => transaction('write', work),
    ping: () => transaction('read', (s) => s.run({ text: 'SELECT 1', params: [] })).then(() => undefined),
    close: () => pool.end(),
  };
}
