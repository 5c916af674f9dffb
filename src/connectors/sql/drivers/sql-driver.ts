/**
 * The one interface the sql connector talks to a database through; one file per engine implements
 * it (postgres-driver, mysql-driver, sqlite-driver). A driver owns its pooled connections (created
 * once, lazily), resolves the password when it connects (so a rotated secret is picked up on the
 * next connection), applies the statement timeout, runs reads in read-only transactions and maps
 * every failure to a catalog code without its message (database messages can quote row values).
 */
import { GatehouseError, type ErrorCode } from '../../../errors/catalog.js';
import type { Logger } from '../../../ops/logger.js';
import type { SqlEngine, SqlStatement } from '../query-builder.js';

/** What one statement returned: rows as arrays in column order, or the count of rows written. */
export interface SqlResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  readonly affected: number;
  /** Auto-generated key of an INSERT, where the engine reports one. */
  readonly insertId: number | string | undefined;
}

/** One transaction's view of the database. */
export interface SqlSession {
  run(statement: SqlStatement): Promise<SqlResult>;
}

/** A connection pool to one database. */
export interface SqlDriver {
  readonly engine: SqlEngine;
  /** Run `work` in one read-only transaction. Throws GatehouseError. */
  read<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Run `work` in one read-write transaction, committed if it returns and rolled back if it throws. */
  write<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** A trivial read: resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How to reach a database. */
export interface SqlDriverOptions {
  readonly url: string;
  /** Resolves the password when a connection is opened; undefined when none is configured. */
  readonly password: (() => Promise<string>) | undefined;
  readonly statementTimeoutMs: number;
  readonly poolSize: number;
  /** Longest wait for a connection before the database counts as unreachable. */
  readonly connectTimeoutMs: number;
  readonly log: Logger;
  /** Connector name, for log lines. */
  readonly connector: string;
}

/** Open a driver for `engine`. Each engine's client library loads only when first needed. */
export async function openSqlDriver(engine: SqlEngine, options: SqlDriverOptions): Promise<SqlDriver> {
  switch (engine) {
    case 'postgres': return (await import('./postgres-driver.js')).createPostgresDriver(options);
    case 'mysql': return (await import('./mysql-driver.js')).createMysqlDriver(options);
    case 'sqlite': return (await import('./sqlite-driver.js')).createSqliteDriver(options);
  }
}

const PROBLEMS: Partial<Record<ErrorCode, string>> = {
  CONNECTOR_UNAVAILABLE: 'The database is unreachable or refused the connection.',
  UPSTREAM_TIMEOUT: 'The database did not finish the statement in time.',
  UPSTREAM_REJECTED: 'The database refused the values (type, range or constraint).',
  UPSTREAM_ERROR: 'The database failed to run the statement.',
};

/**
 * A catalog error for a database failure. Only the engine's error code goes into details; the
 * database's message stays out because it can quote the values involved.
 */
export function databaseError(code: 'CONNECTOR_UNAVAILABLE' | 'UPSTREAM_TIMEOUT' | 'UPSTREAM_REJECTED' | 'UPSTREAM_ERROR', engine: SqlEngine, dbCode: string | undefined): GatehouseError {
  return new GatehouseError(code, PROBLEMS[code] ?? 'The database failed.', { engine, ...(dbCode === undefined ? {} : { db_code: dbCode }) });
}

/** Node socket errors that mean the server cannot be reached. */
export const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/** A plain JSON value for a column value as a client library returns it. */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Uint8Array) return `base64:${Buffer.from(value).toString('base64')}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** Serialises transactions on one connection (SQLite has one writer; its worker runs one thing at a time). */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => { release = r; });
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}
