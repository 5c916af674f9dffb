/**
 * The `sql` connector: declared tables of a PostgreSQL, MySQL/MariaDB or SQLite database, offered as
 * `query` and `get` (read), optionally `sql` (a guarded read-only SELECT), and `update` and `insert`
 * (write) where columns are declared writable. The agent never writes SQL that runs: structured
 * arguments become parameterised statements over configured identifiers, and the raw tool's
 * statement is re-written from its checked parse.
 *
 * Policy sees tables and rows: `query` and `insert` target the Table, `get` and `update` the Record,
 * `sql` the connector (and every table it reads is checked with mayAccess). Every row returned passes
 * mayAccess as a Record, the table's row filter confines every statement, and masks apply to every
 * value that leaves. A database that cannot be reached is CONNECTOR_UNAVAILABLE, never an empty answer.
 */
import { isAbsolute } from 'node:path';
import { durationMs } from '../../config/schema-parts.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { OperationSpec, Provenance, ResourceRef } from '../../domain/types.js';
import type { Logger } from '../../ops/logger.js';
import type { SecretResolver } from '../../secrets/secret-resolver.js';
import { CallHealth, isSystemFailure } from '../call-health.js';
import type { Connector, ConnectorContext, ConnectorHealth, OperationResult } from '../connector.js';
import { openSqlDriver, type SqlDriver } from './drivers/sql-driver.js';
import { maskPositional, maskRow } from './masking.js';
import { buildSelect, type SqlEngine } from './query-builder.js';
import { bindRowFilter } from './row-filter.js';
import { sqlEngineOf, sqlitePath, type SqlConnectorConfig } from './sql-config.js';
import { sqlOperations, type SqlOperation } from './sql-operations.js';
import { compileTables, keyOf, planQuery, planValues, tableOf, type CompiledTable } from './sql-plan.js';
import { recordResource, rowCount, rowProvenance, rowsOf, rowsText, tableResource, tableText, versionOf, keyText, type Row } from './sql-results.js';
import { insertRow, readRow, revertChange, updateRow, type WriteOutcome } from './sql-writes.js';

/** What the connector needs from the gateway. */
export interface SqlConnectorDeps {
  readonly log: Logger;
  /** Resolves the database password each time a connection is opened. */
  readonly secrets: SecretResolver;
  readonly now?: () => Date;
  /** Interval of the background health probe in ms (default 30 s; 0 disables). */
  readonly probeIntervalMs?: number;
  /** Longest wait for a database connection in ms (default 5 s). */
  readonly connectTimeoutMs?: number;
}

/** The sql connector: a Connector whose config is the loaded sql entry. */
export interface SqlConnector extends Omit<Connector, 'type' | 'config'> {
  readonly type: 'sql';
  readonly config: SqlConnectorConfig;
}

/** Create a sql connector. Checks its options now; `start()` connects and checks the declared tables. */
export function createSqlConnector(config: SqlConnectorConfig, deps: SqlConnectorDeps): SqlConnector {
  return new SqlConnectorImpl(config, deps);
}

class SqlConnectorImpl implements SqlConnector {
  readonly name: string;
  readonly type = 'sql' as const;
  readonly config: SqlConnectorConfig;
  readonly #deps: SqlConnectorDeps;
  readonly #engine: SqlEngine;
  readonly #tables: ReadonlyMap<string, CompiledTable>;
  readonly #operations: readonly OperationSpec[];
  #driver: Promise<SqlDriver> | undefined;
  #probe: NodeJS.Timeout | undefined;
  #status: ConnectorHealth['status'] = 'starting';
  #missing: string[] = [];

  /** Outcomes and latency of calls, for health(). */
  readonly #calls: CallHealth;

  constructor(config: SqlConnectorConfig, deps: SqlConnectorDeps) {
    this.#calls = new CallHealth(deps.now);
    const path = sqlitePath(config.url);
    if (path !== undefined && !isAbsolute(path)) {
      throw new GatehouseError('CONFIG_INVALID', `connectors.${config.name}.url must name an absolute SQLite path once loaded.`);
    }
    this.name = config.name;
    this.config = config;
    this.#deps = deps;
    this.#engine = sqlEngineOf(config.url);
    this.#tables = compileTables(config.tables);
    this.#operations = Object.freeze(sqlOperations([...this.#tables.values()], config.powers, config.raw_sql));
  }

  operations(): readonly OperationSpec[] {
    return this.#operations;
  }

  /** query and insert → Table; get and update → Record; sql → this connector. */
  async target(operation: string, args: Readonly<Record<string, unknown>>): Promise<ResourceRef> {
    const op = this.#operation(operation);
    if (op === 'sql') return { type: 'Connector', id: this.name, attributes: {}, parents: [] };
    const table = op === 'revert' ? this.#writableTable(args.kind === 'insert' ? 'insert' : 'update', args.target) : this.#writableTable(op, args.table);
    // Columns are checked before policy and gates: a write no one could run is refused, never held for approval.
    if (op === 'update' || op === 'insert') planValues(table, args.values, op === 'update' ? table.updatable : table.insertable, op);
    if (op === 'query' || op === 'insert') return tableResource(this.name, table);
    return recordResource(this.name, table, keyOf(args.key));
  }

  async execute(operation: string, args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    const op = this.#operation(operation);
    ctx.signal.throwIfAborted();
    return this.#tracked(() => {
      switch (op) {
        case 'query': return this.#query(args, ctx);
        case 'get': return this.#get(args, ctx);
        case 'sql': return this.#sql(args, ctx);
        case 'update': case 'insert': return this.#write(op, args, ctx);
        case 'revert': return this.#revert(args, ctx);
      }
    });
  }

  health(): ConnectorHealth {
    const facts: Record<string, string | number> = { engine: this.#engine, tables: this.#tables.size };
    if (this.#missing.length > 0) facts.unreadable_tables = this.#missing.join(', ');
    const status = this.#status === 'ok' && this.#missing.length > 0 ? 'degraded' : this.#status;
    return { status, ...this.#calls.snapshot(), facts };
  }

  /** Connect and check that every declared table and column can be read. An unreachable database is reported, not fatal. */
  async start(): Promise<void> {
    await this.#check();
    const interval = this.#deps.probeIntervalMs ?? 30_000;
    if (interval > 0 && this.#probe === undefined) {
      this.#probe = setInterval(() => void this.#check(), interval);
      this.#probe.unref();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#probe);
    this.#probe = undefined;
    const driver = this.#driver;
    this.#driver = undefined;
    if (driver !== undefined) await (await driver.catch(() => undefined))?.close();
  }

  // --- operations ---

  async #query(args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    const plan = planQuery(this.#tables, args);
    const table = plan.table;
    const filters = bindRowFilter(table.rowFilter, ctx.caller, table.name);
    const statement = buildSelect(this.#engine, {
      table: table.name, columns: plan.columns, where: [...filters, ...plan.filters], orderBy: plan.orderBy, limit: plan.limit + 1, offset: plan.offset,
    });
    const fetched = rowsOf(await (await this.#db()).read((s) => s.run(statement)), plan.columns);
    const truncated = fetched.length > plan.limit;
    const rows: Row[] = [];
    const provenance: Provenance[] = [];
    const readAt = this.#now();
    for (const row of fetched.slice(0, plan.limit)) {
      const key = keyText(row[table.key]);
      // A row policy refuses leaves nothing behind.
      if (key === undefined || !ctx.mayAccess(recordResource(this.name, table, key), 'read')) continue;
      const shown = maskRow(row, table.masks);
      rows.push(shown);
      provenance.push(rowProvenance(`${this.name}:${table.name}/${key}`, shown, readAt));
    }
    return {
      text: rowsText(`Rows of ${table.name}`, rows, truncated),
      structured: { table: table.name, columns: plan.columns, rows, count: rows.length, truncated },
      summary: rowCount(rows.length),
      provenance,
    };
  }

  async #get(args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    const table = tableOf(this.#tables, args.table);
    const key = keyOf(args.key);
    const filters = bindRowFilter(table.rowFilter, ctx.caller, table.name);
    const row = await (await this.#db()).read((s) => readRow(s, this.#engine, table, key, filters));
    // Outside the row filter and absent look the same.
    if (row === undefined) throw new GatehouseError('ROW_NOT_FOUND', 'No row with that key exists (or it is outside the rows you may see).', { table: table.name });
    const shown = maskRow(row, table.masks);
    const provenance = rowProvenance(`${this.name}:${table.name}/${key}`, shown, this.#now());
    return {
      text: rowsText(`Row ${table.name}/${key}`, [shown], false),
      structured: { table: table.name, key, row: shown },
      summary: rowCount(1),
      provenance: [provenance],
    };
  }

  async #sql(args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    // The SQL parser is large: it loads with the first raw statement, not with the gateway.
    const [{ guardRawSql }, { renderRawSql }] = await Promise.all([import('./raw-sql-guard.js'), import('./raw-sql-render.js')]);
    const query = guardRawSql(args.sql as string, this.#engine, this.#tables);
    const tables = [...new Set(query.sources.map((s) => s.table))];
    for (const table of tables) {
      if (!ctx.mayAccess(tableResource(this.name, table), 'read')) {
        throw new GatehouseError('POLICY_DENIED', `Reading table "${table.name}" is not permitted.`, { connector: this.name, table: table.name });
      }
    }
    const filters = query.sources.map((s) => bindRowFilter(s.table.rowFilter, ctx.caller, s.table.name));
    const statement = renderRawSql(this.#engine, query, filters);
    const result = await (await this.#db()).read((s) => s.run(statement));
    const truncated = result.rows.length > query.limit;
    const rows = maskPositional(result.rows.slice(0, query.limit), query.items.map((i) => i.mask));
    const readAt = this.#now();
    const version = versionOf(rows);
    return {
      text: tableText(result.columns, rows, truncated),
      structured: { columns: [...result.columns], rows, count: rows.length, truncated },
      summary: rowCount(rows.length),
      provenance: tables.map((t) => ({ source: `${this.name}:${t.name}`, version, modifiedAt: readAt, indexedAt: readAt, stale: false })),
    };
  }

  async #write(op: 'update' | 'insert', args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    const table = this.#writableTable(op, args.table);
    const key = op === 'update' ? keyOf(args.key) : undefined;
    const values = planValues(table, args.values, op === 'update' ? table.updatable : table.insertable, op);
    // Bound before anything is written: a missing attribute refuses the write.
    const filters = bindRowFilter(table.rowFilter, ctx.caller, table.name);
    const db = await this.#db();
    const outcome: WriteOutcome = await db.write((s) => (key === undefined
      ? insertRow(s, this.#engine, table, values, filters)
      : updateRow(s, this.#engine, table, key, values, filters)));
    const visible = ctx.mayAccess(recordResource(this.name, table, outcome.key), 'read');
    const shown = visible ? maskRow(outcome.after, table.masks) : undefined;
    const verb = op === 'update' ? 'Updated' : 'Inserted';
    return {
      text: shown === undefined ? `${verb} ${table.name}/${outcome.key}.` : rowsText(`${verb} ${table.name}/${outcome.key}`, [shown], false),
      structured: { table: table.name, key: outcome.key, ...(shown === undefined ? {} : { row: shown }) },
      summary: `${op === 'update' ? 'updated' : 'inserted'} 1 row`,
      provenance: shown === undefined ? [] : [rowProvenance(`${this.name}:${table.name}/${outcome.key}`, shown, this.#now())],
      changes: [outcome.change],
    };
  }

  /** Undo a recorded write (see revertChange); the undo is itself recorded, so it can be undone too. */
  async #revert(args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    const kind = args.kind === 'insert' ? 'insert' : 'update';
    const table = this.#writableTable(kind, args.target);
    const key = keyOf(args.key);
    const filters = bindRowFilter(table.rowFilter, ctx.caller, table.name);
    const change = { kind, key, before: (args.before ?? null) as Row | null, after: args.after as Row } as const;
    const outcome = await (await this.#db()).write((s) => revertChange(s, this.#engine, table, change, filters));
    const verb = kind === 'insert' ? 'Deleted the inserted row' : 'Restored';
    return {
      text: `${verb} ${table.name}/${key}.`,
      structured: { table: table.name, key, reverted: kind },
      summary: kind === 'insert' ? 'reverted an insert (1 row deleted)' : 'reverted an update (1 row restored)',
      provenance: [],
      changes: [outcome.change],
    };
  }

  // --- helpers ---

  #operation(operation: string): SqlOperation {
    if (!this.#operations.some((op) => op.name === operation)) {
      throw new GatehouseError('TOOL_UNKNOWN', `Connector "${this.name}" offers no operation "${operation}".`, { connector: this.name });
    }
    return operation as SqlOperation;
  }

  /** The declared table, and for writes one that declares columns writable by that operation. */
  #writableTable(op: SqlOperation, value: unknown): CompiledTable {
    const table = tableOf(this.#tables, value);
    if ((op === 'update' && table.updatable.length === 0) || (op === 'insert' && table.insertable.length === 0)) {
      throw new GatehouseError('TABLE_NOT_ALLOWED', `Table "${table.name}" declares no columns writable by ${op}.`, { table: table.name });
    }
    return table;
  }

  #db(): Promise<SqlDriver> {
    const secret = this.config.password;
    this.#driver ??= openSqlDriver(this.#engine, {
      url: this.config.url,
      password: secret === undefined ? undefined : () => this.#deps.secrets.resolve(secret),
      statementTimeoutMs: durationMs(this.config.statement_timeout),
      poolSize: this.config.pool_size,
      connectTimeoutMs: this.#deps.connectTimeoutMs ?? 5000,
      log: this.#deps.log,
      connector: this.name,
    }).catch((err: unknown) => {
      this.#driver = undefined;
      throw err;
    });
    return this.#driver;
  }

  /** Ping the database and check each declared table's columns (LIMIT 0); record the outcome. */
  async #check(): Promise<void> {
    const wasUnavailable = this.#status === 'unavailable';
    await this.#tracked(async () => {
      const db = await this.#db();
      await db.ping();
      const missing: string[] = [];
      for (const table of this.#tables.values()) {
        const statement = buildSelect(this.#engine, { table: table.name, columns: table.columns, where: [], limit: 0 });
        try {
          await db.read((s) => s.run(statement));
        } catch (err) {
          if (err instanceof GatehouseError && err.code === 'CONNECTOR_UNAVAILABLE') throw err;
          missing.push(table.name);
        }
      }
      if (missing.length > 0 && missing.join() !== this.#missing.join()) {
        this.#deps.log.warn('sql connector: declared tables cannot be read (missing table or column, or no privilege)', { connector: this.name, tables: missing });
      }
      this.#missing = missing;
    }).catch((err: unknown) => {
      if (!wasUnavailable) {
        this.#deps.log.warn('sql connector: database unreachable', { connector: this.name, code: err instanceof GatehouseError ? err.code : 'INTERNAL_ERROR' });
      }
    });
  }

  /** Run a call or probe through the health record; the status follows its outcome. */
  async #tracked<T>(call: () => Promise<T>): Promise<T> {
    try {
      const result = await this.#calls.track(call);
      this.#status = 'ok';
      return result;
    } catch (err) {
      const code = this.#calls.lastErrorCode;
      if (isSystemFailure(err)) this.#status = code === 'CONNECTOR_UNAVAILABLE' || code === 'SECRET_UNAVAILABLE' ? 'unavailable' : 'degraded';
      throw err;
    }
  }

  #now(): string {
    return (this.#deps.now ?? (() => new Date()))().toISOString();
  }
}
