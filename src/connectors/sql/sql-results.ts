/**
 * Rows into what the agent gets: objects keyed by declared column, masked, with provenance and a
 * compact text rendering. Pure.
 */
import { createHash } from 'node:crypto';
import type { Provenance, ResourceRef } from '../../domain/types.js';
import type { SqlResult } from './drivers/sql-driver.js';
import type { CompiledTable } from './sql-plan.js';

/** A row as an object of declared column → value. */
export type Row = Record<string, unknown>;

/** Rows of `result` as objects, by position against the columns that were selected. */
export function rowsOf(result: SqlResult, columns: readonly string[]): Row[] {
  return result.rows.map((values) => Object.fromEntries(columns.map((c, i) => [c, values[i] ?? null])));
}

/** The text form of a key value, as it appears in record ids and change records. */
export function keyText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

/** The Table resource of a declared table. */
export function tableResource(connector: string, table: CompiledTable): ResourceRef {
  return {
    type: 'Table',
    id: `${connector}/${table.name}`,
    attributes: { table: table.name, label: table.label, connector },
    parents: [{ type: 'Connector', id: connector }],
  };
}

/** The Record resource of one row. */
export function recordResource(connector: string, table: CompiledTable, key: string): ResourceRef {
  return {
    type: 'Record',
    id: `${connector}/${table.name}/${key}`,
    attributes: { table: table.name, key, label: table.label, connector },
    parents: [{ type: 'Table', id: `${connector}/${table.name}` }, { type: 'Connector', id: connector }],
  };
}

/** Content version of what was returned (after masking, so the hash reveals no masked value). */
export function versionOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** Provenance of a row read now. Databases keep no modification time per row: read time stands in. */
export function rowProvenance(source: string, shown: unknown, readAt: string): Provenance {
  return { source, version: versionOf(shown), modifiedAt: readAt, indexedAt: readAt, stale: false };
}

/** "1 row" / "3 rows". */
export function rowCount(n: number): string {
  return `${n} ${n === 1 ? 'row' : 'rows'}`;
}

const MAX_TEXT_CELL = 2000;

function cell(value: unknown): unknown {
  return typeof value === 'string' && value.length > MAX_TEXT_CELL ? `${value.slice(0, MAX_TEXT_CELL)}…` : value;
}

/** Rows as text for the model: a heading, then one JSON object per line. */
export function rowsText(heading: string, rows: readonly Row[], truncated: boolean): string {
  if (rows.length === 0) return `${heading}: no rows.`;
  const lines = [`${heading}: ${rowCount(rows.length)}`];
  for (const row of rows) lines.push(JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cell(v)]))));
  if (truncated) lines.push('(more rows match: narrow the filters or page with offset)');
  return lines.join('\n');
}

/** Raw-query results as text: the column names, then one JSON array per row. */
export function tableText(columns: readonly string[], rows: readonly (readonly unknown[])[], truncated: boolean): string {
  if (rows.length === 0) return 'The query returned no rows.';
  const lines = [`${rowCount(rows.length)}; columns: ${columns.join(', ')}`];
  for (const row of rows) lines.push(JSON.stringify(row.map(cell)));
  if (truncated) lines.push('(more rows match: add conditions or use LIMIT/OFFSET)');
  return lines.join('\n');
}
