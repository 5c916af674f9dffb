/**
 * The guard of the raw read-only `sql` tool. Pure. The statement is parsed with node-sql-parser and
 * accepted only if it is one SELECT built from a small, known set of constructs over declared tables
 * and columns; the result is a checked query (RawQuery) from which raw-sql-render.ts writes fresh SQL.
 * The agent's text never reaches the database, so comments, quoting tricks and anything the parser
 * skips cannot either.
 *
 * Accepted: SELECT [DISTINCT] of columns, literals and expressions, FROM declared tables (optionally
 * aliased) with [INNER|LEFT|RIGHT|FULL|CROSS] JOIN … ON, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT and
 * OFFSET; operators AND OR NOT = <> != < <= > >= + - * / %, [NOT] IN (literal list), [NOT] BETWEEN,
 * [NOT] LIKE, IS [NOT] NULL, searched CASE; COUNT(*) and COUNT/SUM/AVG/MIN/MAX ([DISTINCT]); the
 * scalar functions LOWER, UPPER, LENGTH, TRIM, ABS, ROUND, COALESCE.
 *
 * Refused: anything else, including `*` (other than COUNT(*)), subqueries, CTEs, UNION and other set
 * operations, several statements, INTO, locking clauses, casts, variables and parameters, window
 * functions, schema-qualified names, and masked columns anywhere but as a plain selected column.
 */
import sqlParser from 'node-sql-parser';
import { GatehouseError } from '../../errors/catalog.js';
import type { MaskKind } from './masking.js';
import type { SqlEngine, SqlValue } from './query-builder.js';
import { MAX_OFFSET, MAX_RAW_SQL_LENGTH, type CompiledTable } from './sql-plan.js';

/** Most tables in one statement. */
export const MAX_RAW_SOURCES = 4;
const MAX_DEPTH = 40;

const SCALAR_FUNCTIONS = new Set(['LOWER', 'UPPER', 'LENGTH', 'TRIM', 'ABS', 'ROUND', 'COALESCE']);
const AGGREGATES = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX']);
const BINARY = new Map([['AND', 'AND'], ['OR', 'OR'], ['=', '='], ['<>', '<>'], ['!=', '<>'], ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>='],
  ['+', '+'], ['-', '-'], ['*', '*'], ['/', '/'], ['%', '%']]);
const JOINS = new Map([['JOIN', 'JOIN'], ['INNER JOIN', 'JOIN'], ['LEFT JOIN', 'LEFT JOIN'], ['LEFT OUTER JOIN', 'LEFT JOIN'],
  ['RIGHT JOIN', 'RIGHT JOIN'], ['RIGHT OUTER JOIN', 'RIGHT JOIN'], ['FULL JOIN', 'FULL JOIN'], ['FULL OUTER JOIN', 'FULL JOIN'], ['CROSS JOIN', 'CROSS JOIN']]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const DATABASE: Record<SqlEngine, string> = { postgres: 'PostgresQL', mysql: 'MySQL', sqlite: 'Sqlite' };

/** A checked expression. Column references point at a source by index; names are canonical. */
export type RawExpr =
  | { readonly k: 'col'; readonly source: number; readonly column: string }
  | { readonly k: 'alias'; readonly name: string }
  | { readonly k: 'lit'; readonly value: SqlValue }
  | { readonly k: 'bin'; readonly op: string; readonly left: RawExpr; readonly right: RawExpr }
  | { readonly k: 'not' | 'neg'; readonly expr: RawExpr }
  | { readonly k: 'null'; readonly expr: RawExpr; readonly negate: boolean }
  | { readonly k: 'in'; readonly expr: RawExpr; readonly list: readonly RawExpr[]; readonly negate: boolean }
  | { readonly k: 'between'; readonly expr: RawExpr; readonly low: RawExpr; readonly high: RawExpr; readonly negate: boolean }
  | { readonly k: 'like'; readonly expr: RawExpr; readonly pattern: RawExpr; readonly negate: boolean }
  | { readonly k: 'fn'; readonly name: string; readonly args: readonly RawExpr[]; readonly distinct: boolean; readonly star: boolean }
  | { readonly k: 'case'; readonly whens: readonly { readonly when: RawExpr; readonly then: RawExpr }[]; readonly otherwise: RawExpr | undefined };

/** A declared table in FROM or JOIN. */
export interface RawSource {
  readonly table: CompiledTable;
  readonly alias: string;
  /** How it joins the sources before it (undefined for the first). */
  readonly join: string | undefined;
  readonly on: RawExpr | undefined;
}

/** One selected item; `mask` is set when it is a plain masked column. */
export interface RawItem {
  readonly expr: RawExpr;
  readonly alias: string | undefined;
  readonly mask: MaskKind | undefined;
}

/** A statement the guard accepted. */
export interface RawQuery {
  readonly distinct: boolean;
  readonly items: readonly RawItem[];
  readonly sources: readonly RawSource[];
  readonly where: RawExpr | undefined;
  readonly groupBy: readonly RawExpr[];
  readonly having: RawExpr | undefined;
  readonly orderBy: readonly { readonly expr: RawExpr; readonly descending: boolean }[];
  /** Rows asked for (never more than `maxRows`). */
  readonly limit: number;
  readonly offset: number;
  /** The smallest max_rows of the tables involved. */
  readonly maxRows: number;
}

type Node = Record<string, unknown>;

function rejected(problem: string): GatehouseError {
  return new GatehouseError('QUERY_REJECTED', `The statement was refused: ${problem}.`);
}

function node(value: unknown, what: string): Node {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw rejected(`${what} is not supported`);
  return value as Node;
}

/** Refuse a node that carries anything beyond `allowed` keys (other keys must be empty). */
function onlyKeys(n: Node, allowed: readonly string[], what: string): void {
  for (const [key, value] of Object.entries(n)) {
    if (allowed.includes(key) || key === 'loc' || key === 'parentheses' || value === null || value === undefined) continue;
    if (Array.isArray(value) && value.every((v) => v === null)) continue;
    throw rejected(`${what} uses a construct that is not supported (${key})`);
  }
}

/** Text of an identifier node: a string, or { value } / { expr: { value } } as the parser writes them. */
function identifier(value: unknown, what: string): string {
  let v: unknown = value;
  if (v !== null && typeof v === 'object' && 'expr' in v) v = (v as Node).expr;
  if (v !== null && typeof v === 'object' && 'value' in v) {
    const type = (v as Node).type;
    if (type !== 'default' && type !== 'double_quote_string' && type !== 'backticks_quote_string') throw rejected(`${what} is not a plain name`);
    v = (v as Node).value;
  }
  if (typeof v !== 'string' || !IDENT.test(v)) throw rejected(`${what} is not a plain name`);
  return v;
}

function stringLiteral(raw: unknown): string {
  if (typeof raw !== 'string') throw rejected('a string literal is malformed');
  // Backslash escapes mean different things to different engines and modes; they are not accepted.
  if (raw.includes('\\')) throw rejected('string literals may not contain backslashes');
  return raw.replace(/''/g, "'");
}

function numberLiteral(raw: unknown): number {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) throw rejected('a number is out of range');
  return value;
}

class Checker {
  readonly sources: RawSource[] = [];
  readonly aliases = new Map<string, RawItem>();
  #nodes = 0;

  constructor(private readonly tables: ReadonlyMap<string, CompiledTable>) {}

  source(raw: unknown, first: boolean): RawSource {
    const n = node(raw, 'a FROM item');
    if ('expr' in n && n.expr !== null) throw rejected('subqueries are not supported');
    onlyKeys(n, ['table', 'as', 'join', 'on'], 'a FROM item');
    if (n.db !== null && n.db !== undefined) throw rejected('tables may not be qualified with a schema or database');
    const name = identifier(n.table, 'a table name');
    const table = [...this.tables.values()].find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (table === undefined) throw new GatehouseError('TABLE_NOT_ALLOWED', 'The statement names a table that is not declared for this connector.');
    const alias = n.as === null || n.as === undefined ? table.name : identifier(n.as, 'a table alias');
    if (this.sources.some((s) => s.alias.toLowerCase() === alias.toLowerCase())) throw rejected(`the name "${alias}" is used for two tables; give them different aliases`);
    let join: string | undefined;
    if (!first) {
      join = n.join === undefined || n.join === null ? 'CROSS JOIN' : JOINS.get(String(n.join).toUpperCase());
      if (join === undefined) throw rejected('that kind of join is not supported');
    } else if (n.join !== undefined && n.join !== null) throw rejected('the first table cannot be a join');
    const placeholder: RawSource = { table, alias, join, on: undefined };
    this.sources.push(placeholder);
    if (n.on !== undefined && n.on !== null) {
      if (join === undefined || join === 'CROSS JOIN') throw rejected('ON needs a JOIN');
      const on = this.expr(n.on, 0, false);
      this.sources[this.sources.length - 1] = { ...placeholder, on };
    } else if (join !== undefined && join !== 'CROSS JOIN') throw rejected('a JOIN needs an ON condition');
    return this.sources[this.sources.length - 1] as RawSource;
  }

  /** Resolve a column reference; `top` is true only for a plain selected item (where masked columns may appear). */
  column(n: Node, top: boolean, orderBy: boolean): RawExpr {
    onlyKeys(n, ['type', 'table', 'column', 'collate'], 'a column reference');
    if (n.collate !== null && n.collate !== undefined) throw rejected('COLLATE is not supported');
    const colRaw = n.column;
    if (colRaw === '*' || (typeof colRaw === 'object' && colRaw !== null && (colRaw as Node).type === 'star')) {
      throw rejected('* is not supported; name the columns');
    }
    const name = identifier(colRaw, 'a column name');
    const qualifier = n.table === null || n.table === undefined ? undefined : identifier(n.table, 'a table name');
    if (qualifier === undefined && orderBy) {
      const item = this.aliases.get(name.toLowerCase());
      if (item !== undefined) {
        if (item.mask !== undefined) throw new GatehouseError('COLUMN_NOT_ALLOWED', `"${name}" is a masked column; it cannot be sorted on.`);
        return { k: 'alias', name: item.alias ?? name };
      }
    }
    const candidates = this.sources
      .map((s, index) => ({ s, index }))
      .filter(({ s }) => qualifier === undefined || s.alias.toLowerCase() === qualifier.toLowerCase());
    if (qualifier !== undefined && candidates.length === 0) throw rejected(`"${qualifier}" is not a table of this statement`);
    const matches = candidates.flatMap(({ s, index }) => {
      const column = s.table.columns.find((c) => c.toLowerCase() === name.toLowerCase());
      return column === undefined ? [] : [{ s, index, column }];
    });
    if (matches.length === 0) throw new GatehouseError('COLUMN_NOT_ALLOWED', 'The statement names a column that is not declared for its table.');
    if (matches.length > 1) throw rejected(`column "${name}" is ambiguous; qualify it with its table`);
    const match = matches[0]!;
    if (match.s.table.masks.has(match.column) && !top) {
      throw new GatehouseError('COLUMN_NOT_ALLOWED', `Column "${match.column}" is masked; it can only be selected as it is.`, { table: match.s.table.name });
    }
    return { k: 'col', source: match.index, column: match.column };
  }

  expr(raw: unknown, depth: number, orderBy: boolean): RawExpr {
    if (depth > MAX_DEPTH || ++this.#nodes > 2000) throw rejected('the statement is too deeply nested or too long');
    const n = node(raw, 'an expression');
    const sub = (x: unknown) => this.expr(x, depth + 1, false);
    switch (n.type) {
      case 'column_ref': return this.column(n, false, orderBy);
      case 'number': case 'bigint': return { k: 'lit', value: numberLiteral(n.value) };
      case 'single_quote_string': return { k: 'lit', value: stringLiteral(n.value) };
      case 'bool': return { k: 'lit', value: n.value === true };
      case 'null': return { k: 'lit', value: null };
      case 'unary_expr': {
        onlyKeys(n, ['type', 'operator', 'expr'], 'an expression');
        const op = String(n.operator).toUpperCase();
        if (op === 'NOT') return { k: 'not', expr: sub(n.expr) };
        if (op === '-') return { k: 'neg', expr: sub(n.expr) };
        throw rejected(`the operator ${op} is not supported`);
      }
      case 'binary_expr': return this.binary(n, depth);
      case 'function': return this.func(n, depth);
      case 'aggr_func': return this.aggregate(n, depth);
      case 'case': {
        onlyKeys(n, ['type', 'args'], 'CASE');
        if (n.expr !== null && n.expr !== undefined) throw rejected('only searched CASE (CASE WHEN … THEN …) is supported');
        const args = Array.isArray(n.args) ? n.args.map((a) => node(a, 'CASE')) : [];
        const whens = args.filter((a) => a.type === 'when').map((a) => ({ when: sub(a.cond), then: sub(a.result) }));
        const otherwise = args.find((a) => a.type === 'else');
        if (whens.length === 0 || args.some((a) => a.type !== 'when' && a.type !== 'else')) throw rejected('CASE is malformed');
        return { k: 'case', whens, otherwise: otherwise === undefined ? undefined : sub(otherwise.result) };
      }
      default: throw rejected(`${typeof n.type === 'string' ? n.type.replace(/_/g, ' ') : 'that construct'} is not supported`);
    }
  }

  list(raw: unknown, depth: number, what: string): RawExpr[] {
    const n = node(raw, what);
    if (n.type !== 'expr_list' || !Array.isArray(n.value)) throw rejected(`${what} must be a list of values`);
    return n.value.map((v) => {
      if (v !== null && typeof v === 'object' && 'ast' in v) throw rejected('subqueries are not supported');
      return this.expr(v, depth + 1, false);
    });
  }

  binary(n: Node, depth: number): RawExpr {
    onlyKeys(n, ['type', 'operator', 'left', 'right'], 'an expression');
    const op = String(n.operator).toUpperCase();
    const left = () => this.expr(n.left, depth + 1, false);
    switch (op) {
      case 'IN': case 'NOT IN': {
        const expr = left();
        const list = this.list(n.right, depth, 'IN');
        if (list.length === 0 || list.length > 100 || list.some((e) => e.k !== 'lit')) throw rejected('IN takes a list of 1 to 100 literal values');
        return { k: 'in', expr, list, negate: op === 'NOT IN' };
      }
      case 'BETWEEN': case 'NOT BETWEEN': {
        const expr = left();
        const [low, high, ...more] = this.list(n.right, depth, 'BETWEEN');
        if (low === undefined || high === undefined || more.length > 0) throw rejected('BETWEEN takes two values');
        return { k: 'between', expr, low, high, negate: op === 'NOT BETWEEN' };
      }
      case 'IS': case 'IS NOT': {
        const expr = left();
        if (node(n.right, 'IS').type !== 'null') throw rejected('IS takes NULL only');
        return { k: 'null', expr, negate: op === 'IS NOT' };
      }
      case 'LIKE': case 'NOT LIKE': return { k: 'like', expr: left(), pattern: this.expr(n.right, depth + 1, false), negate: op === 'NOT LIKE' };
      default: {
        const mapped = BINARY.get(op);
        if (mapped === undefined) throw rejected(`the operator ${op} is not supported`);
        return { k: 'bin', op: mapped, left: left(), right: this.expr(n.right, depth + 1, false) };
      }
    }
  }

  func(n: Node, depth: number): RawExpr {
    onlyKeys(n, ['type', 'name', 'args'], 'a function call');
    const nameNode = node(n.name, 'a function name');
    onlyKeys(nameNode, ['name'], 'a function name');
    const parts = Array.isArray(nameNode.name) ? nameNode.name : [];
    if (parts.length !== 1) throw rejected('functions may not be qualified');
    const name = identifier(parts[0], 'a function name').toUpperCase();
    const args = n.args === null || n.args === undefined ? [] : this.list(n.args, depth, `${name}()`);
    if (name === 'NOT' && args.length === 1) return { k: 'not', expr: args[0]! };
    if (!SCALAR_FUNCTIONS.has(name)) throw rejected(`the function ${name} is not supported`);
    if (args.length === 0 || args.length > 3) throw rejected(`${name}() takes 1 to 3 arguments`);
    return { k: 'fn', name, args, distinct: false, star: false };
  }

  aggregate(n: Node, depth: number): RawExpr {
    onlyKeys(n, ['type', 'name', 'args'], 'an aggregate');
    const name = String(n.name).toUpperCase();
    if (!AGGREGATES.has(name)) throw rejected(`the aggregate ${name} is not supported`);
    const args = node(n.args, `${name}()`);
    onlyKeys(args, ['expr', 'distinct'], `${name}()`);
    const distinct = args.distinct !== null && args.distinct !== undefined;
    if (distinct && String(args.distinct).toUpperCase() !== 'DISTINCT') throw rejected(`${name}() is malformed`);
    const inner = node(args.expr, `${name}()`);
    if (inner.type === 'star') {
      if (name !== 'COUNT' || distinct) throw rejected('* is only supported as COUNT(*)');
      return { k: 'fn', name, args: [], distinct: false, star: true };
    }
    return { k: 'fn', name, args: [this.expr(inner, depth + 1, false)], distinct, star: false };
  }
}

function parse(sql: string, engine: SqlEngine): Node {
  let ast: unknown;
  try {
    ast = new sqlParser.Parser().astify(sql, { database: DATABASE[engine] });
  } catch {
    throw rejected('it is not a SELECT this tool understands (check the syntax; only one statement is allowed)');
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length !== 1) throw rejected('only one statement is allowed');
  const statement = node(statements[0], 'the statement');
  if (statement.type !== 'select') throw rejected('only SELECT statements are allowed');
  return statement;
}

function distinctOf(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  const type = typeof value === 'object' ? (value as Node).type : value;
  if (type === null || type === undefined) return false;
  if (String(type).toUpperCase() !== 'DISTINCT') throw rejected('only DISTINCT is supported there');
  return true;
}

function limitOf(value: unknown): { limit: number | undefined; offset: number } {
  if (value === null || value === undefined) return { limit: undefined, offset: 0 };
  const n = node(value, 'LIMIT');
  const values = Array.isArray(n.value) ? n.value.map((v) => {
    const literal = node(v, 'LIMIT');
    const number = literal.type === 'number' ? literal.value : NaN;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) throw rejected('LIMIT and OFFSET take whole numbers');
    return number;
  }) : [];
  if (values.length === 0) return { limit: undefined, offset: 0 };
  if (values.length === 1) return { limit: values[0], offset: 0 };
  // "LIMIT n OFFSET m" versus MySQL's "LIMIT m, n".
  return n.seperator === ',' ? { limit: values[1], offset: values[0] ?? 0 } : { limit: values[0], offset: values[1] ?? 0 };
}

/**
 * Check a raw statement against the declared tables. Throws QUERY_REJECTED, TABLE_NOT_ALLOWED or
 * COLUMN_NOT_ALLOWED; returns the checked query otherwise.
 */
export function guardRawSql(sql: string, engine: SqlEngine, tables: ReadonlyMap<string, CompiledTable>): RawQuery {
  if (typeof sql !== 'string' || sql.trim().length === 0 || sql.length > MAX_RAW_SQL_LENGTH) {
    throw new GatehouseError('ARGUMENTS_INVALID', `"sql" must be a statement of 1 to ${MAX_RAW_SQL_LENGTH} characters.`);
  }
  const s = parse(sql, engine);
  onlyKeys(s, ['type', 'distinct', 'columns', 'into', 'from', 'where', 'groupby', 'having', 'orderby', 'limit'], 'the statement');
  if (s.into !== null && s.into !== undefined) onlyKeys(node(s.into, 'INTO'), [], 'INTO');
  const checker = new Checker(tables);
  if (!Array.isArray(s.from) || s.from.length === 0) throw rejected('the statement must read FROM a declared table');
  if (s.from.length > MAX_RAW_SOURCES) throw rejected(`at most ${MAX_RAW_SOURCES} tables may be used`);
  s.from.forEach((f, i) => checker.source(f, i === 0));
  if (!Array.isArray(s.columns) || s.columns.length === 0 || s.columns.length > 100) throw rejected('select 1 to 100 columns');
  const items = s.columns.map((raw): RawItem => {
    const item = node(raw, 'a selected item');
    onlyKeys(item, ['type', 'expr', 'as'], 'a selected item');
    const alias = item.as === null || item.as === undefined ? undefined : identifier(item.as, 'a column alias');
    const exprNode = node(item.expr, 'a selected item');
    const expr = exprNode.type === 'column_ref' ? checker.column(exprNode, true, false) : checker.expr(exprNode, 0, false);
    const mask = expr.k === 'col' ? checker.sources[expr.source]?.table.masks.get(expr.column) : undefined;
    const result: RawItem = { expr, alias, mask };
    if (alias !== undefined) {
      if (checker.aliases.has(alias.toLowerCase())) throw rejected(`the alias "${alias}" is used twice`);
      checker.aliases.set(alias.toLowerCase(), result);
    }
    return result;
  });
  const where = s.where === null || s.where === undefined ? undefined : checker.expr(s.where, 0, false);
  const groupRaw = s.groupby === null || s.groupby === undefined ? [] : Array.isArray(s.groupby) ? s.groupby : (() => {
    const g = node(s.groupby, 'GROUP BY');
    onlyKeys(g, ['columns'], 'GROUP BY');
    return Array.isArray(g.columns) ? g.columns : [];
  })();
  const groupBy = groupRaw.map((g) => checker.expr(g, 0, false));
  const having = s.having === null || s.having === undefined ? undefined : checker.expr(s.having, 0, false);
  const orderRaw = s.orderby === null || s.orderby === undefined ? [] : Array.isArray(s.orderby) ? s.orderby : [s.orderby];
  const orderBy = orderRaw.map((o) => {
    const term = node(o, 'ORDER BY');
    onlyKeys(term, ['expr', 'type'], 'ORDER BY');
    const e = node(term.expr, 'ORDER BY');
    if (e.type === 'number') throw rejected('ORDER BY takes columns or aliases, not positions');
    return { expr: checker.expr(e, 0, true), descending: String(term.type ?? 'ASC').toUpperCase() === 'DESC' };
  });
  const maxRows = Math.min(...checker.sources.map((src) => src.table.maxRows));
  const { limit, offset } = limitOf(s.limit);
  if (limit !== undefined && (limit < 1 || limit > maxRows)) throw rejected(`LIMIT must be between 1 and ${maxRows}`);
  if (offset > MAX_OFFSET) throw rejected(`OFFSET must be at most ${MAX_OFFSET}`);
  return {
    distinct: distinctOf(s.distinct), items, sources: checker.sources, where, groupBy, having, orderBy,
    limit: limit ?? maxRows, offset, maxRows,
  };
}
