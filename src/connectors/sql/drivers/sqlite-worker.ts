/**
 * The SQLite side of sqlite-driver.ts, run in a worker thread so that a long statement does not
 * block the gateway's event loop. SQLite cannot be interrupted from outside (better-sqlite3 has no
 * interrupt), so the statements the connector builds call a per-row deadline function registered
 * here, which fails them once the statement timeout has passed. As a backstop the driver terminates
 * this worker if an answer is long overdue (SQLite rolls an open transaction back on next open).
 *
 * Reads use a connection opened read-only with `query_only`; writes use a second connection in
 * `BEGIN IMMEDIATE` transactions. The file must exist: a missing database is unreachable, not empty.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SQLITE_DEADLINE_FUNCTION } from '../query-builder.js';

/** A request from the driver. */
export type SqliteRequest =
  | { readonly id: number; readonly op: 'begin' | 'commit' | 'rollback'; readonly mode: 'read' | 'write' }
  | { readonly id: number; readonly op: 'run'; readonly mode: 'read' | 'write'; readonly sql: string; readonly params: readonly (string | number | null)[] };

/** The worker's answer. Errors carry the SQLite code only, never the message. */
export type SqliteResponse =
  | { readonly id: number; readonly ok: true; readonly columns: string[]; readonly rows: unknown[][]; readonly affected: number; readonly insertId: number | string | undefined }
  | { readonly id: number; readonly ok: false; readonly code: string };

interface WorkerOptions {
  readonly path: string;
  readonly busyTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

const options = workerData as WorkerOptions;
let reader: Database.Database | undefined;
let writer: Database.Database | undefined;
/** When the running statement's time is up (ms since the epoch). */
let deadline = Number.POSITIVE_INFINITY;

/** Thrown by the deadline function; a statement that overran fails with it. */
class DeadlineExceeded extends Error {}

/** Per-row deadline check used by the queries the connector builds (see SQLITE_DEADLINE_FUNCTION). */
function prepare(db: Database.Database): Database.Database {
  db.defaultSafeIntegers(true);
  // One argument (a column), so SQLite evaluates it per row; better-sqlite3 takes the arity from the signature.
  db.function(SQLITE_DEADLINE_FUNCTION, { deterministic: false }, (_column: unknown) => {
    if (Date.now() > deadline) throw new DeadlineExceeded('deadline');
    return 1;
  });
  return db;
}

function connection(mode: 'read' | 'write'): Database.Database {
  if (mode === 'read') {
    if (reader === undefined) {
      reader = prepare(new Database(options.path, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs }));
      reader.pragma('query_only = 1');
    }
    return reader;
  }
  writer ??= prepare(new Database(options.path, { fileMustExist: true, timeout: options.busyTimeoutMs }));
  return writer;
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  return value;
}

function handle(request: SqliteRequest): SqliteResponse {
  let db: Database.Database;
  try {
    db = connection(request.mode);
  } catch {
    // A missing file or folder, or one that is not a database: unreachable, whatever the library calls it.
    return { id: request.id, ok: false, code: 'SQLITE_CANTOPEN' };
  }
  switch (request.op) {
    case 'begin':
      db.exec(request.mode === 'read' ? 'BEGIN' : 'BEGIN IMMEDIATE');
      return { id: request.id, ok: true, columns: [], rows: [], affected: 0, insertId: undefined };
    case 'commit':
    case 'rollback':
      if (db.inTransaction) db.exec(request.op === 'commit' ? 'COMMIT' : 'ROLLBACK');
      return { id: request.id, ok: true, columns: [], rows: [], affected: 0, insertId: undefined };
    case 'run': {
      deadline = Date.now() + options.statementTimeoutMs;
      const statement = db.prepare(request.sql);
      if (statement.reader) {
        const rows = (statement.raw(true).all(...request.params) as unknown[][]).map((row) => row.map(plain));
        return { id: request.id, ok: true, columns: statement.columns().map((c) => c.name), rows, affected: 0, insertId: undefined };
      }
      const info = statement.run(...request.params);
      return { id: request.id, ok: true, columns: [], rows: [], affected: info.changes, insertId: plain(info.lastInsertRowid) as number | string };
    }
  }
}

parentPort?.on('message', (request: SqliteRequest) => {
  let response: SqliteResponse;
  try {
    response = handle(request);
  } catch (err) {
    const code = err instanceof DeadlineExceeded ? 'SQLITE_INTERRUPT' : (err as { code?: unknown } | null)?.code;
    response = { id: request.id, ok: false, code: typeof code === 'string' ? code : 'SQLITE_ERROR' };
  } finally {
    deadline = Number.POSITIVE_INFINITY;
  }
  parentPort?.postMessage(response);
});
