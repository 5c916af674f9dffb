/**
 * Agent arguments to plans, for the structured operations (query, get, update, insert). Pure: every
 * table, column, operator and value is checked against the declared configuration here, so what
 * reaches the query builder is made of configured identifiers and plain scalar values only.
 */
import { GatehouseError } from '../../errors/catalog.js';
import type { MaskKind } from './masking.js';
import type { Condition, ComparisonOp, SortTerm, SqlValue } from './query-builder.js';
import { parseRowFilter, type RowFilter } from './row-filter.js';
import type { SqlTableConfig } from './sql-config.js';

/** Filter operators the query operation accepts. */
export const FILTER_OPS = ['=', '!=', '<', '<=', '>', '>=', 'in', 'like', 'is_null'] as const;
/** Most filters in one query. */
export const MAX_FILTERS = 20;
/** Most sort terms in one query. */
export const MAX_SORT = 5;
/** Most values in one IN list. */
export const MAX_IN_VALUES = 100;
/** Longest text value accepted in a filter or write. */
export const MAX_TEXT_LENGTH = 10_000;
/** Deepest offset a query may page to. */
export const MAX_OFFSET = 100_000;
/** Longest statement the raw sql tool accepts, in characters. */
export const MAX_RAW_SQL_LENGTH = 4000;

/** A declared table, ready for planning. */
export interface CompiledTable {
  readonly name: string;
  readonly key: string;
  readonly columns: readonly string[];
  readonly masks: ReadonlyMap<string, MaskKind>;
  readonly rowFilter: RowFilter | undefined;
  readonly maxRows: number;
  readonly label: string;
  readonly updatable: readonly string[];
  readonly insertable: readonly string[];
}

/** Compile the declared tables once, when the connector is made. */
export function compileTables(tables: Readonly<Record<string, SqlTableConfig>>): ReadonlyMap<string, CompiledTable> {
  const out = new Map<string, CompiledTable>();
  for (const [name, t] of Object.entries(tables)) {
    out.set(name, Object.freeze({
      name, key: t.key, columns: Object.freeze([...t.columns]),
      masks: new Map(Object.entries(t.mask)),
      rowFilter: t.row_filter === undefined ? undefined : parseRowFilter(t.row_filter),
      maxRows: t.max_rows, label: t.label,
      updatable: Object.freeze([...(t.write?.update ?? [])]),
      insertable: Object.freeze([...(t.write?.insert ?? [])]),
    }));
  }
  return out;
}

function invalid(problem: string): GatehouseError {
  return new GatehouseError('ARGUMENTS_INVALID', problem);
}

/** The declared table named by `value`, or TABLE_NOT_ALLOWED. */
export function tableOf(tables: ReadonlyMap<string, CompiledTable>, value: unknown): CompiledTable {
  const table = typeof value === 'string' ? tables.get(value) : undefined;
  if (table === undefined) throw new GatehouseError('TABLE_NOT_ALLOWED', 'That table is not declared for this connector.');
  return table;
}

/** A declared column of `table`, or COLUMN_NOT_ALLOWED. */
export function columnOf(table: CompiledTable, value: unknown, allowed: readonly string[] = table.columns): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new GatehouseError('COLUMN_NOT_ALLOWED', `That column is not declared for table "${table.name}" (or not allowed here).`, { table: table.name });
  }
  return value;
}

/** A scalar an agent may send as a value: text, a finite number (integers within 2^53), a boolean or null. */
export function scalarValue(value: unknown, what: string): SqlValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (value.length > MAX_TEXT_LENGTH) throw invalid(`${what} is longer than ${MAX_TEXT_LENGTH} characters.`);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
      throw invalid(`${what} is out of range; send large numbers as text.`);
    }
    return value;
  }
  throw invalid(`${what} must be text, a number, a boolean or null.`);
}

/** The key as given (text or integer), in its canonical text form. */
export function keyOf(value: unknown): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 256) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw invalid('"key" must be non-empty text (at most 256 characters) or an integer.');
}

function filterCondition(table: CompiledTable, raw: unknown, index: number): Condition {
  const where = `filters[${index}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`${where} must be an object with column, op and value.`);
  const { column: c, op, value, ...rest } = raw as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw invalid(`${where} has unknown keys.`);
  const column = columnOf(table, c);
  if (typeof op !== 'string' || !(FILTER_OPS as readonly string[]).includes(op)) throw invalid(`${where}.op must be one of ${FILTER_OPS.join(', ')}.`);
  if (table.masks.has(column) && op !== 'is_null') {
    // Comparing a masked column would reveal it a character at a time.
    throw new GatehouseError('COLUMN_NOT_ALLOWED', `Column "${column}" is masked; it can be shown (masked) but not filtered on.`, { table: table.name });
  }
  if (op === 'is_null') {
    if (value !== undefined && typeof value !== 'boolean') throw invalid(`${where}.value must be true (IS NULL) or false (IS NOT NULL) for is_null.`);
    return { column, op: value === false ? 'not_null' : 'is_null' };
  }
  if (op === 'in') {
    if (!Array.isArray(value) || value.length > MAX_IN_VALUES) throw invalid(`${where}.value must be a list of at most ${MAX_IN_VALUES} values for in.`);
    return { column, op: 'in', values: value.map((v, i) => {
      const bound = scalarValue(v, `${where}.value[${i}]`);
      if (bound === null) throw invalid(`${where}.value[${i}] is null; use is_null.`);
      return bound;
    }) };
  }
  const bound = scalarValue(value, `${where}.value`);
  if (bound === null) throw invalid(`${where}.value is null; use op is_null.`);
  if (op === 'like' && typeof bound !== 'string') throw invalid(`${where}.value must be text for like.`);
  return { column, op: op as ComparisonOp, value: bound };
}

function sortTerms(table: CompiledTable, raw: unknown): SortTerm[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length > MAX_SORT) throw invalid(`"sort" must be a list of at most ${MAX_SORT} terms.`);
  const terms = raw.map((term: unknown, i): SortTerm => {
    if (term === null || typeof term !== 'object' || Array.isArray(term)) throw invalid(`sort[${i}] must be an object with column and direction.`);
    const { column: c, direction, ...rest } = term as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw invalid(`sort[${i}] has unknown keys.`);
    const column = columnOf(table, c);
    if (table.masks.has(column)) throw new GatehouseError('COLUMN_NOT_ALLOWED', `Column "${column}" is masked; it cannot be sorted on.`, { table: table.name });
    if (direction !== undefined && direction !== 'asc' && direction !== 'desc') throw invalid(`sort[${i}].direction must be "asc" or "desc".`);
    return { column, descending: direction === 'desc' };
  });
  return terms;
}

function boundedInteger(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`"${name}" must be an integer from ${min} to ${max}.`);
  }
  return value;
}

/** A checked query: which columns, which conditions, order and page. */
export interface QueryPlan {
  readonly table: CompiledTable;
  readonly columns: readonly string[];
  readonly filters: readonly Condition[];
  readonly orderBy: readonly SortTerm[];
  readonly limit: number;
  readonly offset: number;
}

/** Check the arguments of `query`. The row filter is added later, per caller. */
export function planQuery(tables: ReadonlyMap<string, CompiledTable>, args: Readonly<Record<string, unknown>>): QueryPlan {
  const table = tableOf(tables, args.table);
  let columns: string[] = [...table.columns];
  if (args.columns !== undefined) {
    if (!Array.isArray(args.columns) || args.columns.length === 0 || args.columns.length > table.columns.length) {
      throw invalid('"columns" must be a non-empty list of declared columns.');
    }
    columns = [...new Set(args.columns.map((c: unknown) => columnOf(table, c)))];
    if (!columns.includes(table.key)) columns.unshift(table.key);
  }
  const rawFilters = args.filters ?? [];
  if (!Array.isArray(rawFilters) || rawFilters.length > MAX_FILTERS) throw invalid(`"filters" must be a list of at most ${MAX_FILTERS} filters.`);
  const filters = rawFilters.map((f: unknown, i) => filterCondition(table, f, i));
  const orderBy = sortTerms(table, args.sort);
  // The key breaks ties, so pages are stable.
  if (!orderBy.some((t) => t.column === table.key)) orderBy.push({ column: table.key, descending: false });
  return {
    table, columns, filters, orderBy,
    limit: boundedInteger(args.limit, 'limit', 1, table.maxRows, table.maxRows),
    offset: boundedInteger(args.offset, 'offset', 0, MAX_OFFSET, 0),
  };
}

/** Column values of an update or insert, limited to `allowed`. */
export function planValues(table: CompiledTable, raw: unknown, allowed: readonly string[], kind: 'update' | 'insert'): [string, SqlValue][] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('"values" must be an object of column: value.');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) throw invalid('"values" names no column.');
  return entries.map(([column, value]) => {
    if (!allowed.includes(column)) {
      throw new GatehouseError('COLUMN_NOT_ALLOWED', `Column "${column}" of table "${table.name}" is not writable by ${kind}.`, { table: table.name });
    }
    return [column, scalarValue(value, `values.${column}`)];
  });
}
