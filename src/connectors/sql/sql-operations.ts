/**
 * The operations the sql connector offers and their input schemas, derived from the declared tables:
 * `query` and `get` (read), `sql` (read, when raw_sql is on), `update` and `insert` (write, for the
 * tables that declare writable columns). The schemas are strict; the connector checks every argument
 * again against the configuration, so they are a guide for the model, not the only gate.
 */
import type { JsonSchemaObject, OperationSpec, Power } from '../../domain/types.js';
import { FILTER_OPS, MAX_FILTERS, MAX_IN_VALUES, MAX_OFFSET, MAX_RAW_SQL_LENGTH, MAX_SORT, MAX_TEXT_LENGTH, type CompiledTable } from './sql-plan.js';

/** Names of the sql connector's operations. */
export type SqlOperation = 'query' | 'get' | 'sql' | 'update' | 'insert' | 'revert';

const SCALAR = { type: ['string', 'number', 'boolean'], maxLength: MAX_TEXT_LENGTH } as const;
const WRITE_VALUE = { type: ['string', 'number', 'boolean', 'null'], maxLength: MAX_TEXT_LENGTH } as const;
const COLUMN = { type: 'string', minLength: 1, maxLength: 63, description: 'A declared column of the table.' } as const;
const KEY = { type: ['string', 'integer'], minLength: 1, maxLength: 256, description: 'Primary key value of the row.' } as const;

function tableEnum(tables: readonly CompiledTable[]): Record<string, unknown> {
  return { type: 'string', enum: tables.map((t) => t.name), description: 'A declared table.' };
}

/** "customers (id, name, email [masked], region; at most 100 rows)"; for writes, the columns only. */
function catalog(tables: readonly CompiledTable[], columns?: (t: CompiledTable) => readonly string[]): string {
  return tables.map((t) => {
    const cols = (columns ?? ((x: CompiledTable) => x.columns))(t).map((c) => `${c}${c === t.key ? ' [key]' : ''}${t.masks.has(c) ? ' [masked]' : ''}`).join(', ');
    if (columns !== undefined) return `${t.name} (${cols}${t.rowFilter === undefined ? '' : '; only rows within its row filter'})`;
    return `${t.name} (${cols}; at most ${t.maxRows} rows${t.rowFilter === undefined ? '' : '; row-filtered'})`;
  }).join('; ');
}

function querySchema(tables: readonly CompiledTable[]): JsonSchemaObject {
  return {
    type: 'object',
    properties: {
      table: tableEnum(tables),
      columns: { type: 'array', items: COLUMN, minItems: 1, maxItems: 200, uniqueItems: true, description: 'Columns to return (default: all declared columns).' },
      filters: {
        type: 'array', maxItems: MAX_FILTERS, description: 'Conditions, all of which must hold.',
        items: {
          type: 'object',
          properties: {
            column: COLUMN,
            op: { type: 'string', enum: [...FILTER_OPS] },
            value: {
              type: ['string', 'number', 'boolean', 'array'], maxLength: MAX_TEXT_LENGTH, items: SCALAR, maxItems: MAX_IN_VALUES,
              description: 'A value; a list for "in"; true (IS NULL) or false (IS NOT NULL) for "is_null". "like" takes a pattern with % and _.',
            },
          },
          required: ['column', 'op'],
          additionalProperties: false,
        },
      },
      sort: {
        type: 'array', maxItems: MAX_SORT,
        items: {
          type: 'object',
          properties: { column: COLUMN, direction: { type: 'string', enum: ['asc', 'desc'] } },
          required: ['column'],
          additionalProperties: false,
        },
      },
      limit: { type: 'integer', minimum: 1, maximum: Math.max(...tables.map((t) => t.maxRows)), description: "Most rows to return (default and maximum: the table's row limit)." },
      offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, description: 'Rows to skip, for paging.' },
    },
    required: ['table'],
    additionalProperties: false,
  };
}

function writeSchema(tables: readonly CompiledTable[], withKey: boolean): JsonSchemaObject {
  return {
    type: 'object',
    properties: {
      table: tableEnum(tables),
      ...(withKey ? { key: KEY } : {}),
      values: { type: 'object', minProperties: 1, maxProperties: 200, additionalProperties: WRITE_VALUE, description: 'Column: new value, for writable columns only.' },
    },
    required: withKey ? ['table', 'key', 'values'] : ['table', 'values'],
    additionalProperties: false,
  };
}

/** The operations for these tables and powers, in a stable order. */
export function sqlOperations(tables: readonly CompiledTable[], powers: readonly Power[], rawSql: boolean): OperationSpec[] {
  const ops: OperationSpec[] = [];
  const updatable = tables.filter((t) => t.updatable.length > 0);
  const insertable = tables.filter((t) => t.insertable.length > 0);
  if (powers.includes('read')) {
    ops.push({
      name: 'query', power: 'read', inputSchema: querySchema(tables),
      summary: `Find rows of a declared table with structured filters, sort and limit (no SQL). Tables: ${catalog(tables)}. Masked columns are shown masked and cannot be filtered or sorted on.`,
    });
    ops.push({
      name: 'get', power: 'read',
      inputSchema: { type: 'object', properties: { table: tableEnum(tables), key: KEY }, required: ['table', 'key'], additionalProperties: false },
      summary: 'Fetch one row of a declared table by its primary key.',
    });
    if (rawSql) {
      ops.push({
        name: 'sql', power: 'read',
        inputSchema: {
          type: 'object',
          properties: { sql: { type: 'string', minLength: 1, maxLength: MAX_RAW_SQL_LENGTH, description: 'One SELECT statement.' } },
          required: ['sql'], additionalProperties: false,
        },
        summary: 'Run one read-only SELECT over the declared tables and columns (joins, GROUP BY, aggregates COUNT/SUM/AVG/MIN/MAX; '
          + 'no *, subqueries, CTEs, UNION or other functions than LOWER, UPPER, LENGTH, TRIM, ABS, ROUND, COALESCE). '
          + `Row filters and masks apply. Tables: ${catalog(tables)}.`,
      });
    }
  }
  if (powers.includes('write') && updatable.length > 0) {
    ops.push({
      name: 'update', power: 'write', inputSchema: writeSchema(updatable, true),
      summary: `Change writable columns of one row, by primary key. Writable: ${catalog(updatable, (t) => t.updatable)}.`,
    });
  }
  if (powers.includes('write') && (updatable.length > 0 || insertable.length > 0)) {
    // For people only (`gatehouse rollback`): never listed, and refused to agents by the pipeline.
    ops.push({
      name: 'revert', power: 'write', hidden: true,
      inputSchema: {
        type: 'object',
        properties: {
          target: tableEnum([...new Set([...updatable, ...insertable])]),
          key: KEY,
          kind: { type: 'string', enum: ['update', 'insert'] },
          before: { type: ['object', 'null'] },
          after: { type: 'object' },
        },
        required: ['target', 'key', 'kind', 'before', 'after'],
        additionalProperties: false,
      },
      summary: 'Undo one recorded write, only if the row is still what the write left.',
    });
  }
  if (powers.includes('write') && insertable.length > 0) {
    ops.push({
      name: 'insert', power: 'write', inputSchema: writeSchema(insertable, false),
      summary: `Add one row. Columns you may set: ${catalog(insertable, (t) => t.insertable)}.`,
    });
  }
  return ops;
}
