/**
 * MySQL and MariaDB through a `mysql2` pool. Statements run as server-side prepared statements
 * (values never pass through client-side escaping, so no sql_mode can change their meaning). Each
 * new connection gets its session settings once: strict SQL mode, UTC, and the statement timeout
 * (`max_statement_time` on MariaDB, `max_execution_time` on MySQL). Reads run in
 * `START TRANSACTION READ ONLY`. mysql2 takes the password when the pool is made, so the pool is
 * remade (with the secret resolved again) after the server refuses the credentials.
 */
import mysql from 'mysql2/promise';
import { GatehouseError } from '../../../errors/catalog.js';
import type { SqlStatement } from '../query-builder.js';
import { NETWORK_CODES, databaseError, jsonValue, type SqlDriver, type SqlDriverOptions, type SqlResult, type SqlSession } from './sql-driver.js';

const TIMEOUT_ERRNOS = new Set([1969, 3024, 1205, 1317]);
const UNAVAILABLE_ERRNOS = new Set([1040, 1044, 1045, 1049, 1129, 1130, 1203, 2002, 2003, 2006, 2013, 1053, 1077, 1079, 1080]);
const UNAVAILABLE_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'POOL_CLOSED', 'HANDSHAKE_NO_SSL_SUPPORT']);

/** The catalog error for anything mysql2 throws. */
export function mysqlError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const e = (err ?? {}) as { errno?: unknown; code?: unknown; sqlState?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  if (errno !== undefined && TIMEOUT_ERRNOS.has(errno)) return databaseError('UPSTREAM_TIMEOUT', 'mysql', code);
  if ((errno !== undefined && UNAVAILABLE_ERRNOS.has(errno)) || (code !== undefined && (NETWORK_CODES.has(code) || UNAVAILABLE_CODES.has(code)))) {
    return databaseError('CONNECTOR_UNAVAILABLE', 'mysql', code);
  }
  const state = typeof e.sqlState === 'string' ? e.sqlState : '';
  if (state.startsWith('22') || state.startsWith('23') || errno === 1792) return databaseError('UPSTREAM_REJECTED', 'mysql', code);
  return databaseError('UPSTREAM_ERROR', 'mysql', code);
}

/** Pool options from a `mysql://user@host:port/db[?ssl=true]` URL (never a password). */
function connectionOptions(url: string): mysql.PoolOptions {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname.replace(/^\[|\]$/g, '')),
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    ...(parsed.searchParams.get('ssl') === 'true' ? { ssl: { rejectUnauthorized: true } } : {}),
  };
}

function session(conn: mysql.PoolConnection): SqlSession {
  return {
    async run(statement: SqlStatement): Promise<SqlResult> {
      const [result, fields] = await conn.execute({ sql: statement.text, rowsAsArray: true }, [...statement.params]);
      if (Array.isArray(result)) {
        return {
          columns: (fields ?? []).map((f) => f.name),
          rows: (result as unknown as unknown[][]).map((row) => row.map(jsonValue)),
          affected: 0,
          insertId: undefined,
        };
      }
      const header = result as mysql.ResultSetHeader;
      return { columns: [], rows: [], affected: header.affectedRows, insertId: header.insertId === 0 ? undefined : header.insertId };
    },
  };
}

/** A MySQL/MariaDB driver; no connection is opened until the first call. */
export function createMysqlDriver(options: SqlDriverOptions): SqlDriver {
  let pool: Promise<mysql.Pool> | undefined;
  let flavor: Promise<'mariadb' | 'mysql'> | undefined;
  const initialised = new WeakSet<object>();
  const seconds = options.statementTimeoutMs / 1000;

  const makePool = async (): Promise<mysql.Pool> => {
    const password = options.password === undefined ? undefined : await options.password();
    const created = mysql.createPool({
      ...connectionOptions(options.url),
      ...(password === undefined ? {} : { password }),
      connectionLimit: options.poolSize,
      connectTimeout: options.connectTimeoutMs,
      dateStrings: true,
      supportBigNumbers: true,
      multipleStatements: false,
      enableKeepAlive: true,
    });
    return created;
  };

  async function connection(): Promise<mysql.PoolConnection> {
    pool ??= makePool();
    const current = pool;
    let conn: mysql.PoolConnection;
    try {
      conn = await (await current).getConnection();
    } catch (err) {
      const mapped = mysqlError(err);
      // No pool (the secret could not be resolved) or refused credentials (perhaps a rotated secret):
      // make a new pool, resolving the password again, on the next call.
      if (pool === current && (!(err instanceof Error && 'errno' in err) || mapped.details.db_code === 'ER_ACCESS_DENIED_ERROR')) {
        pool = undefined;
        void current.then((p) => p.end()).catch(() => undefined);
      }
      throw mapped;
    }
    if (!initialised.has(conn.connection)) {
      try {
        flavor ??= conn.query('SELECT VERSION()').then(([rows]) => (JSON.stringify(rows).includes('MariaDB') ? 'mariadb' : 'mysql'));
        const timeout = (await flavor) === 'mariadb' ? `max_statement_time = ${seconds}` : `max_execution_time = ${Math.ceil(options.statementTimeoutMs)}`;
        await conn.query(`SET SESSION ${timeout}, sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY', time_zone = '+00:00', innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(seconds))}`);
        initialised.add(conn.connection);
      } catch (err) {
        flavor = undefined;
        conn.destroy();
        throw mysqlError(err);
      }
    }
    return conn;
  }

  async function transaction<T>(mode: 'read' | 'write', work: (s: SqlSession) => Promise<T>): Promise<T> {
    const conn = await connection();
    let broken = false;
    try {
      await conn.query(mode === 'read' ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION READ WRITE');
      const result = await work(session(conn));
      await conn.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await conn.query('ROLLBACK');
      } catch {
        broken = true;
      }
      const mapped = mysqlError(err);
      if (mapped.code === 'CONNECTOR_UNAVAILABLE') broken = true;
      throw mapped;
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  return {
    engine: 'mysql',
    read: (work) => transaction('read', work),
    write: (work) => transaction('write', work),
    ping: () => transaction('read', (s) => s.run({ text: 'SELECT 1', params: [] })).then(() => undefined),
    async close() {
      const current = pool;
      pool = undefined;
      if (current !== undefined) await (await current).end().catch(() => undefined);
    },
  };
}
