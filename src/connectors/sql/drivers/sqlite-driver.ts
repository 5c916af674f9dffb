/**
 * SQLite through better-sqlite3 in a worker thread (sqlite-worker.ts), so a statement never blocks
 * the event loop. The statement timeout is enforced inside the worker by a per-row deadline check in
 * the statements the connector builds; a worker that still does not answer well after the timeout is
 * terminated and the next call starts a fresh one. Transactions are serialised: one worker, one
 * connection per mode, one thing at a time.
 */
import { Worker } from 'node:worker_threads';
import { GatehouseError } from '../../../errors/catalog.js';
import type { SqlStatement } from '../query-builder.js';
import { Mutex, databaseError, jsonValue, type SqlDriver, type SqlDriverOptions, type SqlResult, type SqlSession } from './sql-driver.js';
import type { SqliteRequest, SqliteResponse } from './sqlite-worker.js';

/** How long past the statement timeout the worker is given before it is terminated. */
const BACKSTOP_MS = 2000;

type Request = SqliteRequest extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never;

/** The catalog error for a SQLite result code. */
export function sqliteError(code: string): GatehouseError {
  if (/^SQLITE_(CANTOPEN|NOTADB|CORRUPT|IOERR|PERM|AUTH)/.test(code)) return databaseError('CONNECTOR_UNAVAILABLE', 'sqlite', code);
  if (/^SQLITE_(BUSY|LOCKED|INTERRUPT)/.test(code)) return databaseError('UPSTREAM_TIMEOUT', 'sqlite', code);
  if (/^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE|READONLY)/.test(code)) return databaseError('UPSTREAM_REJECTED', 'sqlite', code);
  return databaseError('UPSTREAM_ERROR', 'sqlite', code);
}

interface Pending {
  readonly resolve: (r: SqliteResponse) => void;
  readonly reject: (e: GatehouseError) => void;
  readonly timer: NodeJS.Timeout;
}

/** One worker thread and the calls waiting on it. */
class SqliteWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #dead = false;

  constructor(path: string, statementTimeoutMs: number, private readonly timeoutMs: number, private readonly onDeath: () => void) {
    this.#worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), {
      workerData: { path, busyTimeoutMs: statementTimeoutMs, statementTimeoutMs },
    });
    this.#worker.unref();
    this.#worker.on('message', (response: SqliteResponse) => {
      const pending = this.#pending.get(response.id);
      if (pending === undefined) return;
      this.#pending.delete(response.id);
      clearTimeout(pending.timer);
      pending.resolve(response);
    });
    this.#worker.on('error', () => this.#die(databaseError('UPSTREAM_ERROR', 'sqlite', 'WORKER_FAILED')));
    this.#worker.on('exit', () => this.#die(databaseError('UPSTREAM_ERROR', 'sqlite', 'WORKER_EXITED')));
  }

  get dead(): boolean {
    return this.#dead;
  }

  call(request: Request): Promise<SqliteResponse> {
    if (this.#dead) return Promise.reject(databaseError('UPSTREAM_ERROR', 'sqlite', 'WORKER_EXITED'));
    const id = this.#nextId++;
    return new Promise<SqliteResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The statement overran: stop the thread it runs on; everything waiting on it fails.
        this.#die(databaseError('UPSTREAM_TIMEOUT', 'sqlite', undefined));
      }, this.timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#worker.postMessage({ ...request, id });
    });
  }

  #die(error: GatehouseError): void {
    if (!this.#dead) {
      this.#dead = true;
      this.onDeath();
      void this.#worker.terminate();
    }
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.reject(error);
    }
  }

  async terminate(): Promise<void> {
    this.#dead = true;
    await this.#worker.terminate();
  }
}

/** A SQLite driver for the file named by `sqlite:PATH` (which must already exist). */
export function createSqliteDriver(options: SqlDriverOptions): SqlDriver {
  const path = options.url.slice('sqlite:'.length);
  const mutex = new Mutex();
  let worker: SqliteWorker | undefined;

  const current = (): SqliteWorker => {
    if (worker === undefined || worker.dead) {
      // The worker fails an overrunning statement itself; terminating it is the backstop.
      const created: SqliteWorker = new SqliteWorker(path, options.statementTimeoutMs, options.statementTimeoutMs + BACKSTOP_MS, () => {
        if (worker === created) worker = undefined;
      });
      worker = created;
    }
    return worker;
  };

  const call = async (w: SqliteWorker, request: Request): Promise<SqlResult> => {
    const response = await w.call(request);
    if (!response.ok) throw sqliteError(response.code);
    return { columns: response.columns, rows: response.rows.map((row) => row.map(jsonValue)), affected: response.affected, insertId: response.insertId };
  };

  const transaction = <T>(mode: 'read' | 'write', work: (s: SqlSession) => Promise<T>): Promise<T> => mutex.run(async () => {
    const w = current();
    await call(w, { op: 'begin', mode });
    const session: SqlSession = {
      run: (statement: SqlStatement) => call(w, {
        op: 'run', mode, sql: statement.text,
        params: statement.params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p)),
      }),
    };
    try {
      const result = await work(session);
      await call(w, { op: 'commit', mode });
      return result;
    } catch (err) {
      if (!w.dead) await call(w, { op: 'rollback', mode }).catch(() => undefined);
      throw err instanceof GatehouseError ? err : databaseError('UPSTREAM_ERROR', 'sqlite', undefined);
    }
  });

  return {
    engine: 'sqlite',
    read: (work) => transaction('read', work),
    write: (work) => transaction('write', work),
    ping: () => transaction('read', (s) => s.run({ text: 'SELECT 1 FROM sqlite_schema LIMIT 1', params: [] })).then(() => undefined),
    async close() {
      const w = worker;
      worker = undefined;
      if (w !== undefined) await w.terminate();
    },
  };
}
