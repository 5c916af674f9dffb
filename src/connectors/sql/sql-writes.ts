/**
 * The write operations, each one transaction: lock and read the row (the before-image) within the
 * row filter, write only declared writable columns, read it again (the after-image) and check it is
 * still inside the row filter; otherwise roll back. The images hold every declared column, unmasked,
 * so the change can be reverted; they go to the audit store, never to the agent.
 */
import type { ChangeRecord } from '../connector.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { SqlSession } from './drivers/sql-driver.js';
import canonicalize from 'canonicalize';
import { buildDelete, buildInsert, buildSelect, buildUpdate, type Condition, type SqlEngine, type SqlValue } from './query-builder.js';
import { keyText, rowsOf, type Row } from './sql-results.js';
import type { CompiledTable } from './sql-plan.js';

/** What a write did. */
export interface WriteOutcome {
  readonly key: string;
  readonly after: Row;
  readonly change: ChangeRecord;
}

function notFound(): GatehouseError {
  return new GatehouseError('ROW_NOT_FOUND', 'No row with that key exists (or it is outside the rows you may see).');
}

function outsideFilter(table: CompiledTable): GatehouseError {
  return new GatehouseError('ROW_FILTER_UNSATISFIED', `The row would fall outside the rows of "${table.name}" this caller may see; nothing was changed.`, {
    table: table.name,
  });
}

/**
 * The one row of `table` whose key is exactly `key` within `filters`, or undefined. A key the
 * database merely considers equal ("05" for 5, a different letter case) does not match, so record ids
 * stay canonical for policy.
 */
export async function readRow(
  session: SqlSession, engine: SqlEngine, table: CompiledTable, key: string, filters: readonly Condition[], forUpdate = false,
): Promise<Row | undefined> {
  const statement = buildSelect(engine, {
    table: table.name, columns: table.columns, where: [...filters, { column: table.key, op: '=', value: key }], limit: 2, forUpdate,
  });
  const rows = rowsOf(await session.run(statement), table.columns);
  if (rows.length !== 1) return undefined;
  const row = rows[0]!;
  return keyText(row[table.key]) === key ? row : undefined;
}

/** Update `values` of the row `key`, within `filters`. Throws ROW_NOT_FOUND or ROW_FILTER_UNSATISFIED. */
export async function updateRow(
  session: SqlSession, engine: SqlEngine, table: CompiledTable, key: string, values: readonly [string, SqlValue][], filters: readonly Condition[],
): Promise<WriteOutcome> {
  const before = await readRow(session, engine, table, key, filters, true);
  if (before === undefined) throw notFound();
  const where: Condition[] = [...filters, { column: table.key, op: '=', value: key }];
  const result = await session.run(buildUpdate(engine, { table: table.name, set: values, where }));
  if (result.affected > 1) {
    throw new GatehouseError('UPSTREAM_ERROR', `The update of "${table.name}" matched more than one row, so it was rolled back; the key column must be unique.`, { table: table.name });
  }
  const after = await readRow(session, engine, table, key, filters);
  if (after === undefined) throw outsideFilter(table);
  return { key, after, change: { kind: 'update', target: table.name, key, before, after } };
}

/** Insert one row, within `filters`. Throws ROW_FILTER_UNSATISFIED when the new row falls outside them. */
export async function insertRow(
  session: SqlSession, engine: SqlEngine, table: CompiledTable, values: readonly [string, SqlValue][], filters: readonly Condition[],
): Promise<WriteOutcome> {
  const result = await session.run(buildInsert(engine, { table: table.name, values, returning: table.key }));
  const given = values.find(([c]) => c === table.key)?.[1];
  const key = keyText(engine === 'mysql' ? given ?? result.insertId : result.rows[0]?.[0]);
  if (key === undefined) {
    throw new GatehouseError('UPSTREAM_ERROR', `The database did not report the key of the new row of "${table.name}", so the insert was rolled back.`, { table: table.name });
  }
  const after = await readRow(session, engine, table, key, filters);
  if (after === undefined) throw outsideFilter(table);
  return { key, after, change: { kind: 'insert', target: table.name, key, before: null, after } };
}

/** A recorded change to undo: what the write found and what it left. */
export interface RecordedChange {
  readonly kind: 'update' | 'insert';
  readonly key: string;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>>;
}

/** A value as JSON holds it (dates as ISO text, …), so a live row compares with a stored image. */
const asStored = (value: unknown) => canonicalize(JSON.parse(JSON.stringify(value ?? null)) as unknown);

function refused(table: CompiledTable, key: string, why: string): GatehouseError {
  return new GatehouseError('ROLLBACK_REFUSED', `Cannot revert ${table.name}/${key}: ${why}; nothing was changed.`, { table: table.name });
}

/**
 * Undo one recorded write in one transaction: only if the row is still exactly what the write left
 * (every declared column), restore the before-image (update) or delete the row (insert). A row that
 * changed since is refused with the columns that differ, so a later change is never overwritten.
 */
export async function revertChange(
  session: SqlSession, engine: SqlEngine, table: CompiledTable, change: RecordedChange, filters: readonly Condition[],
): Promise<WriteOutcome> {
  const current = await readRow(session, engine, table, change.key, filters, true);
  if (current === undefined) throw refused(table, change.key, 'the row no longer exists (or is outside the rows you may see)');
  const differing = table.columns.filter((c) => asStored(current[c]) !== asStored(change.after[c]));
  if (differing.length > 0) throw refused(table, change.key, `it changed since (${differing.join(', ')} differ from what the write left)`);
  const where: Condition[] = [...filters, { column: table.key, op: '=', value: change.key }];
  if (change.kind === 'insert') {
    const result = await session.run(buildDelete(engine, { table: table.name, where }));
    if (result.affected !== 1) throw refused(table, change.key, 'the delete did not match exactly one row');
    return { key: change.key, after: current, change: { kind: 'delete', target: table.name, key: change.key, before: current, after: null } };
  }
  const before = change.before ?? {};
  const restore = table.columns.filter((c) => c !== table.key && c in before && asStored(before[c]) !== asStored(change.after[c]));
  if (restore.length === 0) throw refused(table, change.key, 'the write changed no column');
  await session.run(buildUpdate(engine, { table: table.name, set: restore.map((c) => [c, before[c] as SqlValue]), where }));
  const after = await readRow(session, engine, table, change.key, filters);
  if (after === undefined) throw outsideFilter(table);
  return { key: change.key, after, change: { kind: 'update', target: table.name, key: change.key, before: current, after } };
}
